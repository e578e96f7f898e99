//! The enums the store keeps and the API sends (statuses, kinds, cycles, methods, roles),
//! declared once with everything such an enum needs: one spelling (`$case`) for the wire
//! (serde, poem-openapi), for text (strum's `Display`/`FromStr`) and for the database
//! (SeaORM's value type, behind the `sea-orm` feature), and its variants to iterate. The
//! `stored_spellings` test in `lib.rs` holds the spellings to one another.

/// `closed_set! { /// docs … pub enum Name { … } }` declares `Name` with what every closed set
/// of spellings derives (serde, strum, `Copy`, `Hash`), so the stored enums and the problem
/// codes name the list once. The derive comes first: the helper attributes (`serde`, `strum`)
/// of the item follow it.
macro_rules! closed_set {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($variants:tt)* }) => {
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            serde::Serialize,
            serde::Deserialize,
            strum::Display,
            strum::EnumString,
            strum::IntoStaticStr,
            strum::EnumIter,
        )]
        $(#[$meta])*
        $vis enum $name { $($variants)* }
    };
}

/// `stored_enum!("snake_case"; /// docs … pub enum Name { … })` declares `Name` as above.
macro_rules! stored_enum {
    ($case:tt; $(#[$meta:meta])* $vis:vis enum $name:ident { $($variants:tt)* }) => {
        $crate::stored::closed_set! {
            $(#[$meta])*
            #[serde(rename_all = $case)]
            #[strum(serialize_all = $case)]
            #[cfg_attr(feature = "sea-orm", derive(sea_orm::DeriveValueType))]
            #[cfg_attr(feature = "sea-orm", sea_orm(value_type = "String"))]
            #[cfg_attr(feature = "openapi", derive(poem_openapi::Enum))]
            #[cfg_attr(feature = "openapi", oai(rename_all = $case))]
            $vis enum $name { $($variants)* }
        }
    };
}

pub(crate) use {closed_set, stored_enum};
