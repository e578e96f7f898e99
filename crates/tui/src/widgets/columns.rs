//! Table columns fitted to the width at hand, so that at 80×24 nothing that matters is cut
//! (issue 23): every column is as wide as its title and its widest cell on screen; the
//! columns that may go (their data is in a detail, or said another way) are left out while
//! the table would not fit, the least wanted first; the width left over goes to the column
//! that grows, or else to the widest. Only when even the columns that stay do not fit is
//! anything shortened.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table};

use crate::model::Model;
use crate::remote::Cursor;

/// Space between two columns (ratatui's `Table` default).
const SPACING: u16 = 1;

/// How a column fares when the table is narrow or wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Always shown.
    Keep,
    /// Always shown, and takes the width left over.
    Grow,
    /// Shown when there is room for it; of two that do not both fit, the lower rank stays.
    Shed(u8),
}

/// A table column and the width its content needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub title: &'static str,
    width: u16,
    fit: Fit,
}

impl Column {
    /// A column as wide as `title` and the widest of `cells`.
    pub fn new<'a>(
        title: &'static str,
        fit: Fit,
        cells: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let widest = cells.into_iter().map(text_width).max().unwrap_or(0);
        Column {
            title,
            width: widest.max(text_width(title)),
            fit,
        }
    }
}

fn text_width(text: &str) -> u16 {
    u16::try_from(Span::raw(text).width()).unwrap_or(u16::MAX)
}

/// The columns chosen for a width, and their constraints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fitted {
    /// Indices of the columns shown, in the table's order.
    pub shown: Vec<usize>,
    /// One constraint per shown column.
    pub widths: Vec<Constraint>,
}

/// Fits `columns` into a table `width` cells wide (inside its borders).
pub fn fit(columns: &[Column], width: u16) -> Fitted {
    let total = |set: &[usize]| -> u32 {
        let cells: u32 = set.iter().map(|&i| u32::from(columns[i].width)).sum();
        cells + u32::from(SPACING) * (set.len().saturating_sub(1) as u32)
    };
    let rank = |i: usize| match columns[i].fit {
        Fit::Shed(rank) => Some(rank),
        Fit::Keep | Fit::Grow => None,
    };
    let mut shown: Vec<usize> = (0..columns.len()).filter(|&i| rank(i).is_none()).collect();
    let mut sheddable: Vec<usize> = (0..columns.len()).filter(|&i| rank(i).is_some()).collect();
    sheddable.sort_by_key(|&i| rank(i));
    for candidate in sheddable {
        let mut with = shown.clone();
        with.push(candidate);
        with.sort_unstable();
        if total(&with) <= u32::from(width) {
            shown = with;
        }
    }
    let fits = total(&shown) <= u32::from(width);
    // The column that grows takes what is left over; without one, the first of the widest.
    let grows = shown
        .iter()
        .copied()
        .find(|&i| columns[i].fit == Fit::Grow)
        .or_else(|| {
            shown.iter().copied().reduce(|best, i| {
                if columns[i].width > columns[best].width {
                    i
                } else {
                    best
                }
            })
        });
    let widths = shown
        .iter()
        .map(|&i| {
            if fits && Some(i) == grows {
                Constraint::Fill(1)
            } else {
                Constraint::Length(columns[i].width)
            }
        })
        .collect();
    Fitted { shown, widths }
}

impl Fitted {
    /// The shown columns' titles, for the header row.
    pub fn header(&self, columns: &[Column]) -> Row<'static> {
        Row::new(self.shown.iter().map(|&i| Cell::from(columns[i].title)))
    }

    /// A row of the shown cells of `cells` (one per column, in the columns' order).
    pub fn row(&self, cells: &[String]) -> Row<'static> {
        Row::new(
            self.shown
                .iter()
                .map(|&i| Cell::from(cells.get(i).cloned().unwrap_or_default())),
        )
    }
}

/// The columns of `titles` sized to `rows` (each row one cell per title).
pub fn sized(titles: &[(&'static str, Fit)], rows: &[Vec<String>]) -> Vec<Column> {
    titles
        .iter()
        .enumerate()
        .map(|(i, &(title, fit))| {
            let cells = rows.iter().filter_map(|row| row.get(i).map(String::as_str));
            Column::new(title, fit, cells)
        })
        .collect()
}

/// The table of a list's rows on screen: from the cursor's first shown row, as many as fit
/// in `area` (less its borders and column titles), each row's cells from `cells` (one per
/// title), the columns fitted to the rows shown and the selection highlighted. The caller
/// puts it in its block.
pub fn table<'a, T>(
    items: &'a [T],
    cursor: Cursor,
    area: Rect,
    model: &Model,
    titles: &[(&'static str, Fit)],
    cells: impl Fn(&'a T) -> Vec<String>,
) -> Table<'static> {
    table_styled(items, cursor, area, model, titles, cells, |_| Style::new())
}

/// [`table`], each row not selected drawn in the style `style` gives it (a failing
/// endpoint in the error style). The selection is kept on screen whatever height the cursor
/// was moved for.
pub fn table_styled<'a, T>(
    items: &'a [T],
    cursor: Cursor,
    area: Rect,
    model: &Model,
    titles: &[(&'static str, Fit)],
    cells: impl Fn(&'a T) -> Vec<String>,
    style: impl Fn(&'a T) -> Style,
) -> Table<'static> {
    let height = usize::from(area.height.saturating_sub(3));
    let mut first = cursor.offset.min(items.len());
    if cursor.selected < items.len() {
        first = first
            .max((cursor.selected + 1).saturating_sub(height))
            .min(cursor.selected);
    }
    let shown: Vec<&'a T> = items[first..].iter().take(height).collect();
    let texts: Vec<Vec<String>> = shown.iter().map(|&item| cells(item)).collect();
    let columns = sized(titles, &texts);
    let fitted = fit(&columns, area.width.saturating_sub(2));
    let rows: Vec<Row<'static>> = texts
        .iter()
        .zip(&shown)
        .enumerate()
        .map(|(k, (row, &item))| {
            let style = if first + k == cursor.selected {
                model.theme.selected()
            } else {
                style(item)
            };
            fitted.row(row).style(style)
        })
        .collect();
    let header = fitted.header(&columns).style(model.theme.active());
    Table::new(rows, fitted.widths).header(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(title: &'static str, width: usize, fit: Fit) -> Column {
        let cell = "x".repeat(width);
        Column::new(title, fit, [cell.as_str()])
    }

    #[test]
    fn everything_fits_and_the_widest_or_growing_column_takes_the_rest() {
        // The widest column takes the rest; a column that grows does, whatever its width.
        for columns in [
            [
                column("Key", 32, Fit::Keep),
                column("Host", 16, Fit::Shed(0)),
            ],
            [
                column("Product", 10, Fit::Grow),
                column("Period end", 16, Fit::Keep),
            ],
        ] {
            let fitted = fit(&columns, 78);
            assert_eq!(fitted.shown, [0, 1]);
            assert_eq!(fitted.widths, [Constraint::Fill(1), Constraint::Length(16)]);
        }
    }

    #[test]
    fn a_column_that_may_go_goes_when_it_does_not_fit_and_a_smaller_one_stays() {
        let columns = [
            column("Key", 32, Fit::Keep),
            column("Product", 16, Fit::Keep),
            column("Status", 6, Fit::Keep),
            column("Valid until", 10, Fit::Keep),
            column("Source", 6, Fit::Shed(1)),
            column("Host", 16, Fit::Shed(0)),
        ];
        let fitted = fit(&columns, 78);
        assert_eq!(fitted.shown, [0, 1, 2, 3, 4], "no room for the host");
        assert_eq!(fitted.widths[0], Constraint::Fill(1));
        assert_eq!(
            fitted.widths[3],
            Constraint::Length(11),
            "the title's width"
        );
    }

    #[test]
    fn columns_that_must_stay_are_kept_even_when_they_do_not_fit() {
        let columns = [column("A", 50, Fit::Keep), column("B", 50, Fit::Grow)];
        let fitted = fit(&columns, 78);
        assert_eq!(fitted.shown, [0, 1]);
        assert_eq!(
            fitted.widths,
            [Constraint::Length(50), Constraint::Length(50)]
        );
    }
}
