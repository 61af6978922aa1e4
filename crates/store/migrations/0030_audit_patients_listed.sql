-- A bulk read's patients are listed on its event as it is written (ascending ids, comma-separated),
-- and the sealer writes the patient links (the index the audit page filters by) as it seals the
-- event (issue 22, scale). Fifty link rows a Tab 3 view, each on its own page of the patient index,
-- were most of what a view wrote: a view's own write is now its event and its mark, and the links
-- of every event the sealer takes at once share those pages. Events written before this have their
-- links already and list nothing here.
ALTER TABLE audit_events ADD COLUMN patients TEXT NOT NULL DEFAULT '';
