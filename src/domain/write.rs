//! The one write path: every create, change, archive, unarchive and delete of a record,
//! whoever makes it (an API handler, the bulk import, Kolada, the roll-over, the operator's
//! command line), takes the organization's lock first, then reads, and goes through the
//! same reach check, state and integrity rules, versioned write, history and audit entry
//! (which appends the change to the feed, queues its webhooks and empties the answer cache).

use serde::de::DeserializeOwned;
use utoipa::ToSchema;

use crate::db::types::{Id, UtcTime};
use crate::db::DbConnection;
use crate::domain::revisions;
use crate::error::{AppError, AppResult};
use crate::rules::permissions::{Action, Kind, Reach, Role};
use crate::store::audit::{self as audit_trail, Actor, AuditAction};
use crate::store::changes::NewChange;
use crate::store::{Record, Tx};

/// The `If-Match` precondition of a write: absent (or `*`) means "any version".
#[derive(Default)]
pub struct IfMatch(Option<Vec<String>>);

impl IfMatch {
    /// The versions (ETags without quotes, or `*`) a client named.
    pub fn versions(tags: Vec<String>) -> IfMatch {
        IfMatch(Some(tags))
    }
}

impl IfMatch {
    /// 412 unless the stored version is one the client named.
    pub fn check(&self, version: i32) -> Result<(), AppError> {
        match &self.0 {
            None => Ok(()),
            Some(tags) if tags.iter().any(|t| t == "*" || *t == version.to_string()) => Ok(()),
            Some(_) => Err(AppError::PreconditionFailed(format!(
                "the record has changed (its ETag is now {}); read it again and retry",
                etag(version)
            ))),
        }
    }
}

impl IfMatch {
    /// The answer when another request wrote the record between this one's read and its
    /// write: 412 to a client that named a version, 409 to one that set no precondition.
    pub fn lost_race(&self) -> AppError {
        let detail =
            "the record was changed by another request at the same moment; read it again and retry";
        match self.0 {
            Some(_) => AppError::PreconditionFailed(detail.into()),
            None => AppError::Conflict {
                detail: detail.into(),
                errors: vec![],
            },
        }
    }
}

/// The ETag of a record version.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// What a resource adds to `Record` for the API: how a create request becomes a record,
/// how a patch changes one, and the integrity rules checked inside the write's transaction.
pub trait Resource: Record {
    type Create: DeserializeOwned + ToSchema + Send + 'static;
    type Patch: DeserializeOwned + ToSchema + Send + 'static;
    /// The collection's path, for `Location`.
    const PATH: &'static str;
    /// Whether the caller's organization must exist before this is created (all but the
    /// organization itself).
    const IN_ORGANIZATION: bool = true;
    /// What reading it needs (`permissions::read_action`).
    const READ: Action = crate::rules::permissions::read_action(Self::KIND);
    fn build(organization_id: Id, input: Self::Create, now: UtcTime) -> AppResult<Self>;
    fn apply(&mut self, patch: Self::Patch) -> AppResult<()>;
    fn check(&mut self, tx: &mut Tx, before: Option<&Self>) -> AppResult<()>;
    /// The unit whose scope decides who may write the record (a department goal's board,
    /// an activity's team); none where only organization-wide roles write.
    fn scope_unit(&self) -> Option<&Id> {
        None
    }
    /// Like `scope_unit`, for records whose scope unit is found through another record
    /// (a measurement's indicator).
    fn scope(&self, _conn: &mut DbConnection) -> AppResult<Option<Id>> {
        Ok(self.scope_unit().cloned())
    }
    /// Stamps a new record with its author (who recorded a measurement, wrote a follow-up).
    fn created_by(&mut self, _actor: &crate::store::audit::Actor) {}
    /// Whether a stored record may be written at all (patched, archived, restored or
    /// deleted), e.g. not a follow-up of a closed reporting period.
    fn writable(&self, _conn: &mut DbConnection) -> AppResult<()> {
        Ok(())
    }
    /// The decision note a patch carries for the record's history, if any.
    fn revision_note(_patch: &Self::Patch) -> Option<revisions::RevisionNote> {
        None
    }
    /// Writes the record's history (revisions of adopted goals) in the write's transaction,
    /// after the record is stored; most resources keep none.
    fn record_history(
        &self,
        _tx: &mut Tx,
        _actor: &crate::store::audit::Actor,
        _before: Option<&Self>,
        _note: Option<revisions::RevisionNote>,
    ) -> AppResult<()> {
        Ok(())
    }
    /// Whether a hard delete may go ahead; references are refused by the database.
    fn deletable(&self, _conn: &mut DbConnection) -> AppResult<()> {
        Ok(())
    }
    /// Whether the record may be archived (`true`) or restored (`false`) in its state, by
    /// a decision or not: hiding a record is a change like a patch and keeps the rules a
    /// patch keeps (a submitted follow-up is not taken back by archiving it, an indicator
    /// of an adopted goal leaves by decision).
    fn archivable(
        &self,
        _conn: &mut DbConnection,
        _archive: bool,
        _by_decision: bool,
    ) -> AppResult<()> {
        Ok(())
    }
    /// The decision note a create carries for the record's history (an indicator added to
    /// an adopted goal), if any.
    fn creation_note(_input: &Self::Create) -> Option<revisions::RevisionNote> {
        None
    }
    /// What of a write is the service operator's alone (the command line), never an API
    /// caller's: the reason it is refused, or `None`. `patch` is `None` for a create.
    fn operator_only(_patch: Option<&Self::Patch>) -> Option<&'static str> {
        None
    }
}

/// 403 when an API caller (not the operator's command line) makes a write only the
/// operator may make.
fn operator_gate<R: Resource>(writer: &Writer, patch: Option<&R::Patch>) -> AppResult<()> {
    match R::operator_only(patch) {
        Some(why) if writer.roles.is_some() => Err(AppError::Forbidden(why.to_string())),
        _ => Ok(()),
    }
}

/// Timestamps for a new record.
pub struct NewMeta {
    pub id: Id,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub version: i32,
}

pub fn new_meta(now: UtcTime) -> NewMeta {
    NewMeta {
        id: Id::new(),
        created_at: now,
        updated_at: now,
        version: 1,
    }
}

/// How far roles may write a kind; 403 when not at all.
pub fn write_reach(roles: &[Role], kind: Kind) -> AppResult<Reach> {
    crate::rules::permissions::write_reach(roles, kind).ok_or_else(|| {
        AppError::Forbidden(format!(
            "your roles do not allow {}",
            Action::Write(kind).describe()
        ))
    })
}

/// Who writes, with what reach: a caller of the API, or the command line as an operator.
pub struct Writer {
    pub organization_id: Id,
    pub actor: crate::store::audit::Actor,
    /// The caller's roles; none for the command line, which writes everything.
    pub roles: Option<Vec<crate::rules::permissions::Role>>,
    /// The units a scoped role's token names.
    pub scope: Vec<Id>,
}

impl Writer {
    /// The command line, writing for an organization with an operator's reach, recorded
    /// in the audit trail as `subject`.
    pub fn operator(organization_id: Id, subject: &str) -> Writer {
        Writer {
            actor: crate::store::audit::Actor {
                organization_id: organization_id.clone(),
                subject: subject.to_string(),
                name: None,
                request_id: None,
            },
            organization_id,
            roles: None,
            scope: Vec::new(),
        }
    }

    /// How far this writer may write a kind; 403 when not at all.
    pub fn reach(&self, kind: crate::rules::permissions::Kind) -> AppResult<Reach> {
        match &self.roles {
            Some(roles) => write_reach(roles, kind),
            None => Ok(Reach::Organization),
        }
    }
}

/// What every write leaves besides its row: the audit entry and the change (which takes the
/// organization's lock, refuses an archived organization's writes, queues the webhooks and
/// notes the organization for the answer cache, `changes::append`). In a bulk import both
/// wait to be written with others, and the written record is remembered for the rows after.
fn log<R: Record>(
    tx: &mut Tx,
    actor: &Actor,
    action: AuditAction,
    before: Option<&R>,
    after: Option<&R>,
) -> AppResult<()> {
    let entry = audit_trail::entry(actor, action, before, after)?;
    tx.remember(&entry.entity_id, after);
    let change = NewChange::of(&entry);
    let Some((entry, change)) = tx.defer(entry, change)? else {
        return Ok(());
    };
    audit_trail::insert(tx, &entry)?;
    crate::store::changes::append(tx, change)
}

impl Writer {
    /// Stores a new record, checked by the caller, with its audit entry (and so its change,
    /// webhooks and cache invalidation).
    pub fn insert<R: Record>(&self, tx: &mut Tx, record: &R) -> AppResult<()> {
        record.insert(tx)?;
        log(tx, &self.actor, AuditAction::Create, None, Some(record))
    }

    /// The audit entry (and change) of a new record, checked by the caller, whose row is
    /// written later in the same transaction with others (`Owned::insert_all`): the bulk
    /// import's path.
    pub fn audited_for_later<R: Record>(&self, tx: &mut Tx, record: &R) -> AppResult<()> {
        log(tx, &self.actor, AuditAction::Create, None, Some(record))
    }

    /// Stores `after` (`mark_changed` from the stored `before`) over `before` as one
    /// versioned write, with its audit entry. `lost` is the answer when another write
    /// changed the record since `before` was read.
    pub fn update<R: Record>(
        &self,
        tx: &mut Tx,
        action: AuditAction,
        before: &R,
        after: &R,
        lost: impl FnOnce() -> AppError,
    ) -> AppResult<()> {
        if after.version() != before.version() + 1 {
            return Err(AppError::Internal(format!(
                "a write of a {} was not marked as a change",
                R::KIND.noun()
            )));
        }
        if after.update(tx, before.version())? == 0 {
            return Err(lost());
        }
        log(tx, &self.actor, action, Some(before), Some(after))
    }

    /// Deletes a stored record with its audit entry; a record still referenced is refused
    /// (409: archive it instead).
    pub fn delete<R: Record>(&self, tx: &mut Tx, record: &R) -> AppResult<()> {
        R::delete(tx, &self.organization_id, record.id()).map_err(|e| match AppError::from(e) {
            AppError::Conflict { .. } => AppError::Conflict {
                detail: format!(
                    "the {} is still referenced by other records: archive it instead",
                    R::KIND.noun()
                ),
                errors: vec![],
            },
            other => other,
        })?;
        log(tx, &self.actor, AuditAction::Delete, Some(record), None)
    }
}

/// Creates a record inside the caller's transaction: builds it, checks the writer's reach
/// and the integrity rules, stores it with its history and audits it.
pub fn create_in<R: Resource>(tx: &mut Tx, writer: &Writer, input: R::Create) -> AppResult<R> {
    operator_gate::<R>(writer, None)?;
    crate::store::changes::lock_for_writing(tx, &writer.organization_id)?;
    let note = R::creation_note(&input);
    if let Some(note) = &note {
        note.check()?;
    }
    let record = checked_new::<R>(tx, writer, input)?;
    record.insert(tx)?;
    record.record_history(tx, &writer.actor, None, note)?;
    log(tx, &writer.actor, AuditAction::Create, None, Some(&record))?;
    Ok(record)
}

/// A new record built from a create request and checked as `create_in` checks it, not yet
/// written. The caller holds the organization's write lock (`changes::lock_for_writing`).
pub fn checked_new<R: Resource>(tx: &mut Tx, writer: &Writer, input: R::Create) -> AppResult<R> {
    let reach = writer.reach(R::KIND)?;
    let org = &writer.organization_id;
    let mut record = R::build(org.clone(), input, UtcTime::now())?;
    record.created_by(&writer.actor);
    within_reach(tx, org, reach, &writer.scope, &[&record])?;
    record.check(tx, None)?;
    Ok(record)
}

/// Whether the writer may write this stored record at all: its kind, and its scope unit.
pub fn may_write<R: Resource>(
    conn: &mut DbConnection,
    writer: &Writer,
    record: &R,
) -> AppResult<()> {
    let reach = writer.reach(R::KIND)?;
    within_reach(
        conn,
        &writer.organization_id,
        reach,
        &writer.scope,
        &[record],
    )
}

/// For a role that writes only within its unit scope: every record the write touches
/// (before and after a change) must have its scope unit inside the caller's scope.
fn within_reach<R: Resource>(
    conn: &mut DbConnection,
    org: &Id,
    reach: Reach,
    scope: &[Id],
    records: &[&R],
) -> AppResult<()> {
    if reach == Reach::Organization {
        return Ok(());
    }
    let in_scope = crate::store::units::scope(conn, org, scope)?;
    for record in records {
        match record.scope(conn)? {
            Some(unit) if in_scope.contains(&unit) => {}
            _ => {
                return Err(AppError::Forbidden(format!(
                    "the {} is outside the units your token is scoped to",
                    R::KIND.noun()
                )))
            }
        }
    }
    Ok(())
}

/// The change a write makes to a stored record.
pub enum Change<P> {
    Patch(P),
    Archive(bool),
    /// Archived by the decision in the note (an indicator of an adopted goal).
    ArchiveByDecision(revisions::RevisionNote),
}

/// Changes a stored record inside the caller's transaction, with the same checks, history
/// and audit as `create_in`. A patch that leaves the record as it was writes nothing (the
/// record keeps its version); the flag says whether anything was written.
pub fn change_in<R: Resource>(
    tx: &mut Tx,
    writer: &Writer,
    id: &Id,
    if_match: &IfMatch,
    change: Change<R::Patch>,
) -> AppResult<(R, bool)> {
    let reach = writer.reach(R::KIND)?;
    let org = &writer.organization_id;
    let scope = &writer.scope;
    crate::store::changes::lock_for_writing(tx, org)?;
    let before = R::find(tx, org, id)?.ok_or_else(|| AppError::not_found(R::KIND.noun()))?;
    // Out of the caller's scope is 403 whatever the record's state, as for delete.
    within_reach(tx, org, reach, scope, &[&before])?;
    let mut record = before.clone();
    let now = UtcTime::now();
    let mut note = None;
    let (action, archived_at) = match change {
        Change::Patch(patch) => {
            if before.archived_at().is_some() {
                return Err(AppError::Conflict {
                    detail: format!(
                        "the {} is archived: unarchive it before changing it",
                        R::KIND.noun()
                    ),
                    errors: vec![],
                });
            }
            operator_gate::<R>(writer, Some(&patch))?;
            note = R::revision_note(&patch);
            if let Some(note) = &note {
                note.check()?;
            }
            record.apply(patch)?;
            (AuditAction::Update, None)
        }
        Change::Archive(archive) => {
            before.archivable(tx, archive, false)?;
            if archive {
                (AuditAction::Archive, before.archived_at().or(Some(now)))
            } else {
                (AuditAction::Unarchive, None)
            }
        }
        Change::ArchiveByDecision(decision) => {
            if before.archived_at().is_some() {
                return Err(AppError::Conflict {
                    detail: format!("the {} is archived already", R::KIND.noun()),
                    errors: vec![],
                });
            }
            decision.check()?;
            before.archivable(tx, true, true)?;
            note = Some(decision);
            (AuditAction::Archive, Some(now))
        }
    };
    // After the patch is read: a body that breaks the rules is 422 whatever the version.
    if_match.check(before.version())?;
    before.writable(tx)?;
    // Nor may the change move it out of the scope.
    within_reach(tx, org, reach, scope, &[&record])?;
    // Archiving and restoring change only visibility, so the integrity rules, which
    // are about content and references, are checked for patches alone.
    if action == AuditAction::Update {
        record.check(tx, Some(&before))?;
        if same_content(&record, &before) {
            return Ok((before, false));
        }
    }
    record.mark_changed(now, archived_at);
    writer.update(tx, action, &before, &record, || if_match.lost_race())?;
    record.record_history(tx, &writer.actor, Some(&before), note)?;
    Ok((record, true))
}

/// Whether two states of a record read the same (a patch that changed nothing).
fn same_content<R: Record>(a: &R, b: &R) -> bool {
    match (serde_json::to_value(a), serde_json::to_value(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Deletes a stored record inside the caller's transaction: after the organization's lock,
/// with the writer's reach, the version asked for and the record's own rules; a record
/// still referenced is to be archived instead.
pub fn delete_in<R: Resource>(
    tx: &mut Tx,
    writer: &Writer,
    id: &Id,
    if_match: &IfMatch,
) -> AppResult<()> {
    let reach = writer.reach(R::KIND)?;
    let org = &writer.organization_id;
    crate::store::changes::lock_for_writing(tx, org)?;
    let record = R::find(tx, org, id)?.ok_or_else(|| AppError::not_found(R::KIND.noun()))?;
    within_reach(tx, org, reach, &writer.scope, &[&record])?;
    if_match.check(record.version())?;
    record.writable(tx)?;
    record.deletable(tx)?;
    writer.delete(tx, &record)
}
