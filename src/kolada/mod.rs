//! Kolada import: values of the national KPI database, as its API v3 returns them
//! (`GET https://api.kolada.se/v3/data/kpi/{kpi}/municipality/{code}` and kin), become
//! measurements of the indicators that name the KPI.
//!
//! `document` is the response shape, `plan` decides what each row does to the stored
//! measurements (pure, unit-tested), `import` reads what the plan needs, checks the caller's
//! reach and writes the plan with its audit entries. The HTTP endpoint (`api::kolada`) and
//! the command line (`malstyrning kolada import`) both go through `import`.

pub mod document;
pub mod import;
pub mod plan;

pub use document::{Gender, KoladaDocument, KoladaRow, KoladaValue};
pub use import::{
    describe, import, import_file, ImportAction, ImportReport, ImportedMeasurement, Importer,
};
pub use plan::SkippedRow;

/// Who imports from the command line, as `recorded_by` and the audit trail name it.
pub const CLI_ACTOR: &str = "kolada-import";
