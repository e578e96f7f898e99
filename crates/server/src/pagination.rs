//! Keyset pagination: lists answer `{items, next_cursor}` and take `limit` (at most 200) and
//! `cursor` (an id, declared so in the spec: anything else is refused as the request is
//! parsed). Ids are UUIDv7, ordered by creation time, so the cursor is simply the last id
//! seen and a page costs the same at the millionth row as at the first.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Select};
use uuid::Uuid;

use crate::error::{ServiceError, ServiceResult};
pub use entitle_domain::api::{DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT};

/// Which page to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    /// Read rows with ids after this one.
    pub after: Option<Uuid>,
}

impl PageRequest {
    /// Checks the query's `limit` and takes its `cursor` (the last id of the previous page).
    pub fn parse(limit: Option<u32>, after: Option<Uuid>) -> ServiceResult<Self> {
        let limit = limit.unwrap_or(DEFAULT_PAGE_LIMIT);
        if !(1..=MAX_PAGE_LIMIT).contains(&limit) {
            return Err(ServiceError::Invalid(format!(
                "limit must be between 1 and {MAX_PAGE_LIMIT}"
            )));
        }
        Ok(PageRequest { limit, after })
    }

    /// Rows to fetch: one more than the page, to know whether another page follows.
    pub fn fetch(self) -> u64 {
        u64::from(self.limit) + 1
    }

    /// Reads this page of `query` (already in `id` order): the rows after the cursor, and
    /// where the next page starts.
    pub async fn load<E: EntityTrait>(
        self,
        db: &impl ConnectionTrait,
        query: Select<E>,
        id: E::Column,
        id_of: impl Fn(&E::Model) -> Uuid,
    ) -> ServiceResult<(Vec<E::Model>, Option<String>)> {
        let query = match self.after {
            Some(after) => query.filter(id.gt(after)),
            None => query,
        };
        self.read(db, query, id_of).await
    }

    /// Reads this page of `query` (already in descending `id` order): the rows before the
    /// cursor, newest first, and where the next (older) page starts.
    pub async fn load_newest_first<E: EntityTrait>(
        self,
        db: &impl ConnectionTrait,
        query: Select<E>,
        id: E::Column,
        id_of: impl Fn(&E::Model) -> Uuid,
    ) -> ServiceResult<(Vec<E::Model>, Option<String>)> {
        let query = match self.after {
            Some(before) => query.filter(id.lt(before)),
            None => query,
        };
        self.read(db, query, id_of).await
    }

    async fn read<E: EntityTrait>(
        self,
        db: &impl ConnectionTrait,
        query: Select<E>,
        id_of: impl Fn(&E::Model) -> Uuid,
    ) -> ServiceResult<(Vec<E::Model>, Option<String>)> {
        let rows = query.limit(self.fetch()).all(db).await?;
        Ok(self.finish(rows, id_of))
    }

    /// Cuts the fetched rows to the page and says where the next one starts.
    pub fn finish<T>(self, mut rows: Vec<T>, id: impl Fn(&T) -> Uuid) -> (Vec<T>, Option<String>) {
        let limit = self.limit as usize;
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|last| id(last).to_string())
        } else {
            None
        };
        (rows, next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_outside_one_to_two_hundred_are_refused() {
        assert!(PageRequest::parse(Some(0), None).is_err());
        assert!(PageRequest::parse(Some(201), None).is_err());
        assert_eq!(
            PageRequest::parse(None, None).map(|p| p.limit).ok(),
            Some(DEFAULT_PAGE_LIMIT)
        );
    }

    #[test]
    fn a_page_with_more_rows_behind_it_names_its_last_id() {
        let page = PageRequest::parse(Some(2), None).expect("valid");
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let (rows, next) = page.finish(ids.clone(), |id| *id);
        assert_eq!(rows, ids[..2]);
        assert_eq!(next, Some(ids[1].to_string()));
        let (_, last) = page.finish(ids[..2].to_vec(), |id| *id);
        assert_eq!(last, None);
    }
}
