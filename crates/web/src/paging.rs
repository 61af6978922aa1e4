//! One page of a list shown on a page (not the API's paging): the rows, where they sit in the
//! whole, and links to the pages either side.

pub struct Paged<T> {
    pub rows: Vec<T>,
    pub total: usize,
    /// 1-based positions of the first and last row shown (0 and 0 when the list is empty).
    pub first: usize,
    pub last: usize,
    pub previous: Option<String>,
    pub next: Option<String>,
}

impl<T> Paged<T> {
    /// Page `page` (1-based; text that is not a page number is the first page, one past the end is
    /// the last) of `all`, `size` rows a page; `link(n)` is the address of page n.
    pub fn of(all: Vec<T>, page: &str, size: usize, link: impl Fn(usize) -> String) -> Paged<T> {
        let total = all.len();
        let pages = total.div_ceil(size.max(1)).max(1);
        let page = page.trim().parse::<usize>().unwrap_or(1).clamp(1, pages);
        let skip = (page - 1) * size;
        let rows: Vec<T> = all.into_iter().skip(skip).take(size).collect();
        Paged {
            first: if rows.is_empty() { 0 } else { skip + 1 },
            last: skip + rows.len(),
            total,
            rows,
            previous: (page > 1).then(|| link(page - 1)),
            next: (page < pages).then(|| link(page + 1)),
        }
    }

    /// The same page with each row turned into something else (only the rows shown are touched).
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            rows: self.rows.into_iter().map(f).collect(),
            total: self.total,
            first: self.first,
            last: self.last,
            previous: self.previous,
            next: self.next,
        }
    }

    /// More than one page: worth a pager.
    pub fn is_split(&self) -> bool {
        self.previous.is_some() || self.next.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(total: usize, page: &str) -> Paged<usize> {
        Paged::of((1..=total).collect(), page, 10, |n| format!("?p={n}"))
    }

    #[test]
    fn pages_hold_ten_rows_and_link_either_side() {
        let middle = page(25, "2");
        assert_eq!(middle.rows, (11..=20).collect::<Vec<_>>());
        assert_eq!((middle.first, middle.last, middle.total), (11, 20, 25));
        assert_eq!(middle.previous.as_deref(), Some("?p=1"));
        assert_eq!(middle.next.as_deref(), Some("?p=3"));
        let last = page(25, "3");
        assert_eq!((last.first, last.last, last.next), (21, 25, None));
    }

    #[test]
    fn odd_page_numbers_land_on_a_real_page() {
        assert_eq!(page(25, "").first, 1);
        assert_eq!(page(25, "abc").first, 1);
        assert_eq!(page(25, "0").first, 1);
        assert_eq!(page(25, "99").first, 21);
        let empty = page(0, "1");
        assert_eq!((empty.first, empty.last, empty.is_split()), (0, 0, false));
        assert!(!page(10, "1").is_split(), "exactly one page needs no pager");
        assert!(page(11, "1").is_split());
    }
}
