//! The licenses table's state, as the model holds it: the rows loaded page by page, the
//! filter and the sort, and the display order they make.

use entitle_domain::api::{License, LicensePage};

use crate::filter::Filter;
use crate::names::{ProductNames, license_status};
use crate::paged::Paged;
use crate::remote::Cursor;

/// How the licenses table is sorted (`o` cycles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LicenseSort {
    /// As the server lists them: oldest first.
    #[default]
    Created,
    Product,
    Status,
    ValidUntil,
}

impl LicenseSort {
    pub fn next(self) -> Self {
        match self {
            LicenseSort::Created => LicenseSort::Product,
            LicenseSort::Product => LicenseSort::Status,
            LicenseSort::Status => LicenseSort::ValidUntil,
            LicenseSort::ValidUntil => LicenseSort::Created,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LicenseSort::Created => "created",
            LicenseSort::Product => "product",
            LicenseSort::Status => "status",
            LicenseSort::ValidUntil => "valid until",
        }
    }
}

/// The licenses table: pages fetched as the selection nears the end of what is loaded, and
/// only the visible rows drawn, so it stays fast at 100 000 licenses.
#[derive(Debug, Clone, Default)]
pub struct LicenseTable {
    /// The rows loaded page by page, the page request, and the selection (a place in
    /// `shown`).
    pub list: Paged<License>,
    /// Indices into the rows in display order, after the filter and the sort.
    pub shown: Vec<usize>,
    /// The filter typed after `/`, matched against the loaded rows.
    pub filter: Filter,
    pub sort: LicenseSort,
    /// The catalog's product names, which the filter matches and the sort orders by (set
    /// when the catalog arrives).
    pub names: ProductNames,
}

impl LicenseTable {
    /// Rebuilds the display order after the rows, the filter, the sort or the product names
    /// changed. The filter matches the key, the product (code or name) and the status,
    /// case-insensitively; the product sort orders by name, as the table shows it.
    pub fn reshape(&mut self) {
        let needle = self.filter.text.to_lowercase();
        let rows = &self.list.rows;
        let names = &self.names;
        let mut shown: Vec<usize> = (0..rows.len())
            .filter(|&i| {
                needle.is_empty() || {
                    let l = &rows[i];
                    l.key.to_lowercase().contains(&needle)
                        || names.matches(&l.product, &needle)
                        || license_status(l).contains(&needle)
                }
            })
            .collect();
        match self.sort {
            LicenseSort::Created => {}
            LicenseSort::Product => shown.sort_by(|&a, &b| {
                names
                    .name(&rows[a].product)
                    .cmp(names.name(&rows[b].product))
            }),
            LicenseSort::Status => shown.sort_by_key(|&i| license_status(&rows[i])),
            LicenseSort::ValidUntil => shown.sort_by_key(|&i| rows[i].valid_until),
        }
        self.shown = shown;
        let len = self.shown.len();
        let cursor = &mut self.list.cursor;
        if cursor.selected >= len {
            *cursor = Cursor::default();
            cursor.jump(len.saturating_sub(1), len, 1);
        }
    }

    /// Takes a page: appended, or replacing the rows when it is the first asked again.
    pub fn append(&mut self, page: LicensePage) {
        self.list.append(page.items, page.next_cursor.0);
        self.reshape();
    }

    /// The license under the cursor.
    pub fn selected(&self) -> Option<&License> {
        self.shown
            .get(self.list.cursor.selected)
            .and_then(|&i| self.list.rows.get(i))
    }
}
