//! Figures kept in memory under the change counter they were computed at: a reader presents the
//! counter it just read, and gets the kept figure while the counter stands, or computes it anew.
//! Each key is computed once however many readers ask at once (one turn per key, not one lock for
//! all), and the least recently used keys go first when the cache is full.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

struct Slot<R, V> {
    kept: Option<(R, Arc<V>)>,
    /// Whoever holds it is computing this key; the others wait, then find the figure kept.
    turn: Arc<tokio::sync::Mutex<()>>,
    used: u64,
}

struct Slots<K, R, V> {
    by_key: HashMap<K, Slot<R, V>>,
    clock: u64,
}

pub struct RevisionCache<K, R, V> {
    slots: Mutex<Slots<K, R, V>>,
    capacity: usize,
}

impl<K: Hash + Eq + Clone, R: PartialEq + Copy, V> RevisionCache<K, R, V> {
    /// A cache of at most `capacity` keys (at least one).
    pub fn new(capacity: usize) -> Self {
        let slots = Slots { by_key: HashMap::new(), clock: 0 };
        RevisionCache { slots: Mutex::new(slots), capacity: capacity.max(1) }
    }

    /// The figure kept for `key` at `revision`, if any.
    pub fn get(&self, key: &K, revision: R) -> Option<Arc<V>> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        slots.clock += 1;
        let now = slots.clock;
        let slot = slots.by_key.get_mut(key)?;
        let (kept_at, value) = slot.kept.as_ref()?;
        if *kept_at != revision {
            return None;
        }
        slot.used = now;
        Some(Arc::clone(value))
    }

    /// The figure for `key` at `revision`: kept, or computed once by `compute` while other readers of
    /// the same key wait for it.
    pub async fn get_or_compute<E, F, Fut>(
        &self,
        key: K,
        revision: R,
        compute: F,
    ) -> Result<Arc<V>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        if let Some(hit) = self.get(&key, revision) {
            return Ok(hit);
        }
        let turn = self.turn_of(&key);
        let _turn = turn.lock().await;
        if let Some(hit) = self.get(&key, revision) {
            return Ok(hit);
        }
        let value = Arc::new(compute().await?);
        self.keep(key, revision, &value);
        Ok(value)
    }

    /// Keeps a figure computed elsewhere.
    pub fn keep(&self, key: K, revision: R, value: &Arc<V>) {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        slots.clock += 1;
        let now = slots.clock;
        let slot = slots.by_key.entry(key).or_insert_with(Slot::empty);
        slot.kept = Some((revision, Arc::clone(value)));
        slot.used = now;
        while slots.by_key.len() > self.capacity {
            let oldest = slots.by_key.iter().min_by_key(|(_, s)| s.used).map(|(k, _)| k.clone());
            match oldest {
                Some(k) => slots.by_key.remove(&k),
                None => break,
            };
        }
    }

    fn turn_of(&self, key: &K) -> Arc<tokio::sync::Mutex<()>> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = slots.by_key.entry(key.clone()).or_insert_with(Slot::empty);
        Arc::clone(&slot.turn)
    }
}

impl<R, V> Slot<R, V> {
    fn empty() -> Self {
        Slot { kept: None, turn: Arc::default(), used: 0 }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_figure_is_kept_while_its_revision_stands() {
        let cache: RevisionCache<&str, i64, usize> = RevisionCache::new(4);
        let computed = AtomicUsize::new(0);
        let compute = || async { Ok::<_, ()>(computed.fetch_add(1, Ordering::SeqCst) + 1) };
        let first = cache.get_or_compute("a", 1, compute).await.unwrap();
        let again = cache.get_or_compute("a", 1, compute).await.unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        let moved = cache.get_or_compute("a", 2, compute).await.unwrap();
        assert_eq!((*first, *moved), (1, 2), "a new revision computes anew");
    }

    #[tokio::test]
    async fn readers_of_one_key_compute_it_once_and_other_keys_do_not_wait() {
        let cache: Arc<RevisionCache<u32, i64, u32>> = Arc::new(RevisionCache::new(4));
        let computed = Arc::new(AtomicUsize::new(0));
        let (release, hold) = tokio::sync::oneshot::channel::<()>();
        let slow = {
            let (cache, computed) = (Arc::clone(&cache), Arc::clone(&computed));
            tokio::spawn(async move {
                cache
                    .get_or_compute(1, 1, || async move {
                        computed.fetch_add(1, Ordering::SeqCst);
                        hold.await.ok();
                        Ok::<_, ()>(10)
                    })
                    .await
            })
        };
        tokio::task::yield_now().await;
        let waiting = {
            let (cache, computed) = (Arc::clone(&cache), Arc::clone(&computed));
            tokio::spawn(async move {
                cache
                    .get_or_compute(1, 1, || async move {
                        computed.fetch_add(1, Ordering::SeqCst);
                        Ok::<_, ()>(11)
                    })
                    .await
            })
        };
        tokio::task::yield_now().await;
        // Key 2 is computed while key 1's computation is still held open.
        let other = cache.get_or_compute(2, 1, || async { Ok::<_, ()>(20) }).await.unwrap();
        assert_eq!(*other, 20);
        release.send(()).ok();
        let (a, b) = (slow.await.unwrap().unwrap(), waiting.await.unwrap().unwrap());
        assert!(Arc::ptr_eq(&a, &b), "the waiting reader got the first one's figure");
        assert_eq!(computed.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn the_least_recently_used_key_goes_first() {
        let cache: RevisionCache<u32, i64, u32> = RevisionCache::new(2);
        for key in [1, 2] {
            cache.keep(key, 0, &Arc::new(key));
        }
        assert!(cache.get(&1, 0).is_some());
        cache.keep(3, 0, &Arc::new(3));
        assert!(cache.get(&2, 0).is_none(), "2 was used least recently");
        assert!(cache.get(&1, 0).is_some() && cache.get(&3, 0).is_some());
    }

    #[tokio::test]
    async fn a_failed_computation_keeps_nothing() {
        let cache: RevisionCache<u32, i64, u32> = RevisionCache::new(2);
        let failed = cache.get_or_compute(1, 0, || async { Err::<u32, _>("down") }).await;
        assert_eq!(failed.err(), Some("down"));
        assert!(cache.get(&1, 0).is_none());
    }
}
