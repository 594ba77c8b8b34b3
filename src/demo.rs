//! The demo organisation, built from Värnamo kommun's goal-management model as the source
//! document (a 2011 introduction for all staff) describes it: vision and purpose, three
//! perspectives, seven overarching goals, the boards and administrations that had key
//! persons, a few work teams with activity plans. No real personal names: responsibility is
//! given as a role, as a team would write it on its sheet, and the key persons and the
//! steering group have invented names.

use chrono::NaiveDate;

use crate::db::types::{Id, JsonList, TextList, UtcTime};
use crate::db::DbConnection;
use crate::domain::revisions;
use crate::domain::write::{Resource, Writer};
use crate::error::{AppError, AppResult};
use crate::store::activities::{Activity, ActivityStatus};
use crate::store::audit::Actor;
use crate::store::contacts::{Contact, ContactRole};
use crate::store::department_goals::DepartmentGoal;
use crate::store::goals::{Goal, GoalState};
use crate::store::indicators::{
    Direction, Indicator, Source, Target, TargetBasis, ToleranceUnit, UpdateFrequency, YearToDate,
};
use crate::store::organizations::{self, Organization};
use crate::store::perspectives::{Focus, Perspective};
use crate::store::plan_periods::PlanPeriod;
use crate::store::reporting_periods::{
    ReportingPeriod, ReportingPeriodKind, ReportingPeriodStatus,
};
use crate::store::units::{Unit, UnitKind};
use crate::store::visions::Vision;
use crate::store::{Record, Tx};

pub const MUNICIPALITY_CODE: &str = "0683";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Loads the demo organisation unless an organisation with its municipality code exists.
pub fn load(conn: &mut DbConnection) -> AppResult<String> {
    Tx::new(conn).savepoint(|conn| {
        if let Some(existing) = organizations::find_by_code(conn, MUNICIPALITY_CODE)? {
            return Ok(format!("the demo organisation is already loaded: {} ({})", existing.name, existing.id));
        }
        let org = Demo::new(conn)?;
        Ok(format!(
            "loaded the demo organisation {} ({}); get a token with: malstyrning token --org {} --role admin",
            "Värnamo kommun", org.id, MUNICIPALITY_CODE
        ))
    })
}

/// Stores a demo record through the one write path: with its audit entry and its change in
/// the feed, so a system that follows the feed sees the demo too.
trait Seed: Record {
    fn seed(&self, conn: &mut Tx, writer: &Writer) -> AppResult<()> {
        writer.insert(conn, self)
    }
}

impl<R: Record> Seed for R {}

struct Demo {
    id: Id,
    now: UtcTime,
}

impl Demo {
    /// Who the demo's records are created by, in the audit trail and the change feed.
    fn actor(&self) -> Actor {
        Actor {
            organization_id: self.id.clone(),
            subject: "demo".into(),
            name: Some("Demodata".into()),
            request_id: None,
        }
    }

    /// The demo's records are written as the operator writes, recorded as `actor`.
    fn writer(&self) -> Writer {
        Writer {
            organization_id: self.id.clone(),
            actor: self.actor(),
            roles: None,
            scope: Vec::new(),
        }
    }

    fn new(conn: &mut Tx) -> AppResult<Demo> {
        let demo = Demo {
            id: Id::new(),
            now: UtcTime::now(),
        };
        Organization {
            id: demo.id.clone(),
            name: "Värnamo kommun".into(),
            municipality_code: MUNICIPALITY_CODE.into(),
            external_id: Some("demo-0683".into()),
            archived_at: None,
            created_at: demo.now,
            updated_at: demo.now,
            version: 1,
        }
        .seed(conn, &demo.writer())?;
        demo.build(conn)?;
        Ok(demo)
    }

    fn unit(
        &self,
        conn: &mut Tx,
        parent: Option<&Id>,
        kind: UnitKind,
        name: &str,
        code: &str,
    ) -> AppResult<Id> {
        let unit = Unit {
            id: Id::new(),
            organization_id: self.id.clone(),
            parent_id: parent.cloned(),
            kind,
            name: name.into(),
            short_code: Some(code.into()),
            external_id: Some(format!("demo-unit-{}", code.to_lowercase())),
            archived_at: None,
            created_at: self.now,
            updated_at: self.now,
            version: 1,
        };
        unit.seed(conn, &self.writer())?;
        Ok(unit.id)
    }

    /// The demo's indicators; `goals` are goals 1–7, `department_goals` in the order built.
    fn indicators(
        &self,
        conn: &mut Tx,
        actor: &Actor,
        owners: &IndicatorOwners,
        goals: &[Id],
        department_goals: &[Id],
    ) -> AppResult<()> {
        let each_year = |value: f64| Target {
            from: "2011".into(),
            to: Some("2014".into()),
            basis: TargetBasis::EachPeriod,
            value: Some(value),
            change_from_baseline_percent: None,
            min: None,
            max: None,
        };
        let pick = |ids: &[Id], i: usize| {
            ids.get(i)
                .cloned()
                .ok_or_else(|| AppError::Internal("demo goal missing".into()))
        };
        let specs = [
            IndicatorSpec {
                goal: Some(pick(goals, 0)?),
                source: Source::Survey,
                targets: vec![each_year(60.0)],
                tolerance: (5.0, ToleranceUnit::Absolute),
                ..spec(
                    "goal1-safety",
                    "Trygghet: index i SCB:s medborgarundersökning",
                    "index 0–100",
                    &owners.citizens,
                )
            },
            IndicatorSpec {
                goal: Some(pick(goals, 1)?),
                source: Source::Survey,
                targets: vec![each_year(60.0)],
                tolerance: (5.0, ToleranceUnit::Absolute),
                ..spec(
                    "goal2-nri",
                    "Nöjd-Region-Index (SCB:s medborgarundersökning)",
                    "index 0–100",
                    &owners.citizens,
                )
            },
            // Goal 3: not below 2 % in a single year, at least 2.5 % on average over 2011–2014.
            IndicatorSpec {
                goal: Some(pick(goals, 2)?),
                source: Source::Kolada,
                kolada_kpi: Some("N03101"),
                targets: vec![
                    each_year(2.0),
                    Target {
                        basis: TargetBasis::Average,
                        ..each_year(2.5)
                    },
                ],
                tolerance: (0.5, ToleranceUnit::Absolute),
                ..spec(
                    "goal3-result",
                    "Årets resultat som andel av skatteintäkter och generella statsbidrag",
                    "%",
                    &owners.economy,
                )
            },
            IndicatorSpec {
                goal: Some(pick(goals, 3)?),
                targets: vec![Target {
                    basis: TargetBasis::Average,
                    ..each_year(100.0)
                }],
                tolerance: (10.0, ToleranceUnit::Percent),
                ..spec(
                    "goal4-self-financing",
                    "Självfinansieringsgrad av investeringar exkl. affärsverksamhet",
                    "%",
                    &owners.economy,
                )
            },
            IndicatorSpec {
                goal: Some(pick(goals, 4)?),
                source: Source::Survey,
                targets: vec![each_year(75.0)],
                tolerance: (5.0, ToleranceUnit::Absolute),
                ..spec(
                    "goal5-engagement",
                    "Hållbart medarbetarengagemang (HME) i medarbetarenkäten",
                    "index 0–100",
                    &owners.economy,
                )
            },
            IndicatorSpec {
                goal: Some(pick(goals, 5)?),
                source: Source::Survey,
                targets: vec![each_year(70.0)],
                tolerance: (5.0, ToleranceUnit::Absolute),
                ..spec(
                    "goal6-environment-satisfaction",
                    "Andel invånare och anställda nöjda med kommunens miljöarbete",
                    "%",
                    &owners.environment,
                )
            },
            // Goal 7: at least 40 % below the 1990 level by 2020.
            IndicatorSpec {
                goal: Some(pick(goals, 6)?),
                direction: Direction::LowerIsBetter,
                baseline: Some((8.2, "1990")),
                source: Source::Kolada,
                kolada_kpi: Some("N00401"),
                targets: vec![Target {
                    from: "2020".into(),
                    to: None,
                    value: None,
                    change_from_baseline_percent: Some(-40.0),
                    ..each_year(0.0)
                }],
                tolerance: (10.0, ToleranceUnit::Percent),
                ..spec(
                    "goal7-ghg",
                    "Utsläpp till luft av växthusgaser, totalt",
                    "ton CO2-ekv/invånare",
                    &owners.environment,
                )
            },
            IndicatorSpec {
                department_goal: Some(pick(department_goals, 0)?),
                source: Source::Survey,
                targets: vec![each_year(95.0)],
                tolerance: (3.0, ToleranceUnit::Absolute),
                ..spec(
                    "bun1-pupils-safe",
                    "Andel elever som känner sig trygga i skolan",
                    "%",
                    &owners.school,
                )
            },
            IndicatorSpec {
                department_goal: Some(pick(department_goals, 2)?),
                source: Source::Survey,
                targets: vec![each_year(90.0)],
                tolerance: (5.0, ToleranceUnit::Absolute),
                ..spec(
                    "on1-home-care-safe",
                    "Andel brukare i hemtjänsten som känner sig trygga",
                    "%",
                    &owners.care,
                )
            },
            IndicatorSpec {
                department_goal: Some(pick(department_goals, 3)?),
                direction: Direction::LowerIsBetter,
                baseline: Some((1.1, "2010")),
                targets: vec![each_year(1.0)],
                tolerance: (10.0, ToleranceUnit::Percent),
                ..spec(
                    "rn1-residential-fires",
                    "Bränder i bostäder per 1 000 invånare",
                    "antal per 1 000 invånare",
                    &owners.rescue,
                )
            },
        ];
        for spec in specs {
            let kolada = spec.source == Source::Kolada;
            let indicator = Indicator {
                id: Id::new(),
                organization_id: self.id.clone(),
                goal_id: spec.goal,
                department_goal_id: spec.department_goal,
                owner_unit_id: Some(spec.owner.clone()),
                name: spec.name.into(),
                description: None,
                unit_of_measure: spec.unit.into(),
                direction: spec.direction,
                baseline_value: spec.baseline.map(|(value, _)| value),
                baseline_period: spec.baseline.map(|(_, period)| period.into()),
                targets: JsonList::new(spec.targets),
                yellow_tolerance: spec.tolerance.0,
                tolerance_unit: spec.tolerance.1,
                weight: 1.0,
                source: spec.source,
                kolada_kpi: spec.kolada_kpi.map(Into::into),
                kolada_municipality: kolada.then(|| MUNICIPALITY_CODE.into()),
                kolada_ou: None,
                update_frequency: UpdateFrequency::Yearly,
                year_to_date: YearToDate::NotComparable,
                publication_lag_years: 0,
                predecessor_id: None,
                external_id: Some(format!("demo-indicator-{}", spec.key)),
                archived_at: None,
                created_at: self.now,
                updated_at: self.now,
                version: 1,
            };
            indicator.seed(conn, &self.writer())?;
            // Adopted with its goal: the decision that adopted the goal puts its targets in
            // force (revision 1), said as the API would be told it.
            let decision = self.adopting_decision(conn, &indicator)?;
            indicator.record_history(conn, actor, None, decision)?;
        }
        Ok(())
    }

    /// The decision that adopted an indicator's goal or department goal, as a note.
    fn adopting_decision(
        &self,
        conn: &mut Tx,
        indicator: &Indicator,
    ) -> AppResult<Option<revisions::RevisionNote>> {
        let decision = match (&indicator.goal_id, &indicator.department_goal_id) {
            (Some(goal), _) => Goal::find(conn, &self.id, goal)?
                .filter(|g| g.state == GoalState::Adopted)
                .map(|g| (g.decision_reference, g.decided_on, g.decided_by_unit_id)),
            (None, Some(goal)) => DepartmentGoal::find(conn, &self.id, goal)?
                .filter(|g| g.state == GoalState::Adopted)
                .map(|g| (g.decision_reference, g.decided_on, g.decided_by_unit_id)),
            (None, None) => None,
        };
        Ok(
            decision.map(|(reference, on, body)| revisions::RevisionNote {
                reason: None,
                decision_reference: reference,
                decided_on: on,
                decided_by_unit_id: body,
            }),
        )
    }

    fn build(&self, conn: &mut Tx) -> AppResult<()> {
        let org = self.id.clone();
        let now = self.now;

        // The organisation: KF/KS adopt vision and overarching goals; each board (nämnd)
        // has its administration (förvaltning); work teams keep the activity plans.
        let kommun = self.unit(conn, None, UnitKind::Municipality, "Värnamo kommun", "VK")?;
        let kf = self.unit(
            conn,
            Some(&kommun),
            UnitKind::Council,
            "Kommunfullmäktige",
            "KF",
        )?;
        let ks = self.unit(
            conn,
            Some(&kommun),
            UnitKind::Council,
            "Kommunstyrelsen",
            "KS",
        )?;
        let klk = self.unit(
            conn,
            Some(&ks),
            UnitKind::Administration,
            "Kommunledningskontoret",
            "Klk",
        )?;
        let medb = self.unit(
            conn,
            Some(&ks),
            UnitKind::Administration,
            "Medborgarkontoret",
            "Medb",
        )?;
        let bun = self.unit(
            conn,
            Some(&kommun),
            UnitKind::Board,
            "Barn- och utbildningsnämnden",
            "BUN",
        )?;
        let buf = self.unit(
            conn,
            Some(&bun),
            UnitKind::Administration,
            "Barn- och utbildningsförvaltningen",
            "Buf",
        )?;
        let rn = self.unit(
            conn,
            Some(&kommun),
            UnitKind::Board,
            "Räddningsnämnden",
            "RN",
        )?;
        let rtj = self.unit(
            conn,
            Some(&rn),
            UnitKind::Administration,
            "Räddningstjänsten",
            "Rtj",
        )?;
        let on = self.unit(conn, Some(&kommun), UnitKind::Board, "Omsorgsnämnden", "ON")?;
        let oms = self.unit(
            conn,
            Some(&on),
            UnitKind::Administration,
            "Omsorgsförvaltningen",
            "Oms",
        )?;
        let kn = self.unit(conn, Some(&kommun), UnitKind::Board, "Kulturnämnden", "KN")?;
        self.unit(
            conn,
            Some(&kn),
            UnitKind::Administration,
            "Kulturförvaltningen",
            "Kultur",
        )?;
        let tn = self.unit(
            conn,
            Some(&kommun),
            UnitKind::Board,
            "Tekniska nämnden",
            "TN",
        )?;
        let tkt = self.unit(
            conn,
            Some(&tn),
            UnitKind::Administration,
            "Tekniska förvaltningen",
            "Tkt",
        )?;
        let msn = self.unit(
            conn,
            Some(&kommun),
            UnitKind::Board,
            "Miljö- och stadsbyggnadsnämnden",
            "MSN",
        )?;
        self.unit(
            conn,
            Some(&msn),
            UnitKind::Administration,
            "Miljö- och stadsbyggnadsförvaltningen",
            "Msk",
        )?;

        let forskola = self.unit(
            conn,
            Some(&buf),
            UnitKind::Unit,
            "Förskoleverksamheten",
            "Buf-FSK",
        )?;
        let team_bla = self.unit(
            conn,
            Some(&forskola),
            UnitKind::Team,
            "Förskolan Solrosen, arbetslag Blå",
            "FSK-BLA",
        )?;
        let skola = self.unit(
            conn,
            Some(&buf),
            UnitKind::Unit,
            "Grundskolan F–6",
            "Buf-GR",
        )?;
        let team_f3 = self.unit(conn, Some(&skola), UnitKind::Team, "Arbetslag F–3", "GR-F3")?;
        let hemtjanst = self.unit(conn, Some(&oms), UnitKind::Unit, "Hemtjänsten", "Oms-HT")?;
        let team_ht = self.unit(
            conn,
            Some(&hemtjanst),
            UnitKind::Team,
            "Hemtjänst centrum, arbetslag 1",
            "HT-C1",
        )?;
        let team_rtj = self.unit(conn, Some(&rtj), UnitKind::Team, "Skiftlag A", "RTJ-A")?;
        let team_park = self.unit(
            conn,
            Some(&tkt),
            UnitKind::Team,
            "Gata/park, arbetslag norr",
            "TKT-GPN",
        )?;
        let team_medb = self.unit(
            conn,
            Some(&medb),
            UnitKind::Team,
            "Kontaktcenter",
            "MEDB-KC",
        )?;

        let period = PlanPeriod {
            id: Id::new(),
            organization_id: org.clone(),
            name: "Mandatperioden 2011–2014".into(),
            start_date: date(2011, 1, 1),
            end_date: date(2014, 12, 31),
            external_id: Some("demo-mandatperiod-2011-2014".into()),
            archived_at: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        period.seed(conn, &self.writer())?;
        let pp = period.id.clone();

        for (name, kind, start, end, deadline, status, key) in [
            (
                "Tertial 1 2011",
                ReportingPeriodKind::Tertial,
                date(2011, 1, 1),
                date(2011, 4, 30),
                date(2011, 5, 31),
                ReportingPeriodStatus::Closed,
                "t1-2011",
            ),
            (
                "Delårsrapport 2011",
                ReportingPeriodKind::InterimReport,
                date(2011, 1, 1),
                date(2011, 8, 31),
                date(2011, 9, 30),
                ReportingPeriodStatus::Open,
                "delar-2011",
            ),
            (
                "Årsredovisning 2011",
                ReportingPeriodKind::AnnualReport,
                date(2011, 1, 1),
                date(2011, 12, 31),
                date(2012, 2, 28),
                ReportingPeriodStatus::Open,
                "ar-2011",
            ),
        ] {
            ReportingPeriod {
                id: Id::new(),
                organization_id: org.clone(),
                plan_period_id: pp.clone(),
                kind,
                name: name.into(),
                start_date: start,
                end_date: end,
                follow_up_deadline: Some(deadline),
                status,
                external_id: Some(format!("demo-{key}")),
                archived_at: None,
                created_at: now,
                updated_at: now,
                version: 1,
            }
            .seed(conn, &self.writer())?;
        }

        // The decisions that adopted the vision and the goals become their first revisions.
        let actor = self.actor();
        let vision = Vision {
            id: Id::new(),
            organization_id: org.clone(),
            plan_period_id: pp.clone(),
            vision: "Värnamo – den mänskliga tillväxtkommunen. Här förverkligar du dina drömmar, skapar, upplever, är delaktig och tar ansvar!".into(),
            purpose: "Värnamo kommun skall på kommunmedborgarnas uppdrag tillhandahålla service kostnadseffektivt och med god kvalitet.".into(),
            decision_reference: Some("KF 2010-11-25 § 123".into()),
            decided_on: Some(date(2010, 11, 25)),
            decided_by_unit_id: Some(kf.clone()),
            state: GoalState::Adopted,
            predecessor_id: None,
            external_id: Some("demo-vision-2011-2014".into()),
            archived_at: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        vision.seed(conn, &self.writer())?;
        revisions::record_history(conn, &actor, &vision, None, None)?;

        let mut perspectives = Vec::new();
        for (position, (name, description, focus)) in [
            (
                "Medborgar/kundmål",
                "Mål för invånarna och kunderna (externt).",
                Focus::External,
            ),
            (
                "Resursmål – Ekonomi och Personal",
                "Mål för ekonomin och medarbetarna (internt).",
                Focus::Internal,
            ),
            (
                "Miljö",
                "Mål för miljön (externt och internt).",
                Focus::Both,
            ),
        ]
        .into_iter()
        .enumerate()
        {
            let perspective = Perspective {
                id: Id::new(),
                organization_id: org.clone(),
                plan_period_id: pp.clone(),
                name: name.into(),
                description: Some(description.into()),
                focus,
                position: position as i32 + 1,
                predecessor_id: None,
                external_id: Some(format!("demo-perspective-{}", position + 1)),
                archived_at: None,
                created_at: now,
                updated_at: now,
                version: 1,
            };
            perspective.seed(conn, &self.writer())?;
            perspectives.push(perspective.id);
        }
        let perspective = |i: usize| {
            perspectives
                .get(i)
                .cloned()
                .ok_or_else(|| AppError::Internal("demo perspective missing".into()))
        };

        // The seven overarching goals, word for word. The slide shows the footnote markers;
        // the footnote texts say what each marker refers to.
        let goal_texts: [(usize, &str, &[&str]); 7] = [
            (0, "Invånarna i Värnamo kommun ska känna sig trygga.", &[]),
            (0, "Medborgarna ska uppleva att Värnamo är en attraktiv kommun att leva och bo i.", &[]),
            (1, "Årets resultat bör för ett enskilt år inte understiga 2 % och för perioden* ska genomsnittet inte understiga 2,5 %.", &["* Perioden avser mandatperioden 2011–2014."]),
            (1, "Investeringar (exkl affärsverksamhet**) ska för perioden*** i sin helhet självfinansieras.", &["** Affärsverksamhet avser den avgiftsfinansierade verksamheten.", "*** Perioden avser mandatperioden 2011–2014."]),
            (1, "Medarbetarna i Värnamo kommun ska vara nöjda med sin upplevda arbetssituation i frågor som delaktighet, respektfullt bemötande, ledarskap och personlig utveckling.", &[]),
            (2, "Kommunens medborgare och kommunens egna anställda* ska vara nöjda med kommunens miljöarbete i sin helhet.", &["* Anställda avser kommunens egna medarbetare i alla förvaltningar."]),
            (2, "Värnamo kommun som geografiskt område ska reducera utsläppen av växthusgaser med minst 40% till år 2020 jämfört med 1990 års nivå.", &[]),
        ];
        let mut goals = Vec::new();
        for (index, (perspective_index, title, footnotes)) in goal_texts.into_iter().enumerate() {
            let goal = Goal {
                id: Id::new(),
                organization_id: org.clone(),
                plan_period_id: pp.clone(),
                perspective_id: perspective(perspective_index)?,
                owner_unit_id: kf.clone(),
                number: index as i32 + 1,
                title: title.into(),
                description: None,
                footnotes: TextList::new(footnotes.iter().map(|f| f.to_string()).collect()),
                decision_reference: Some("KF 2010-11-25 § 123".into()),
                decided_on: Some(date(2010, 11, 25)),
                decided_by_unit_id: Some(kf.clone()),
                state: GoalState::Adopted,
                predecessor_id: None,
                external_id: Some(format!("demo-goal-{}", index + 1)),
                archived_at: None,
                created_at: now,
                updated_at: now,
                version: 1,
            };
            goal.seed(conn, &self.writer())?;
            revisions::record_history(conn, &actor, &goal, None, None)?;
            goals.push(goal.id);
        }
        let goal = |number: usize| {
            goals
                .get(number - 1)
                .cloned()
                .ok_or_else(|| AppError::Internal("demo goal missing".into()))
        };

        // Boards may break an overarching goal down into department goals.
        let mut department_goals = Vec::new();
        for (board, goal_number, number, title, state, key) in [
            (&bun, 1, 1, "Alla barn och elever ska känna sig trygga i förskolan och skolan.", GoalState::Adopted, "bun-1"),
            (&bun, 5, 2, "Medarbetarna ska vara delaktiga i planeringen av verksamheten på arbetsplatsträffarna.", GoalState::Adopted, "bun-2"),
            (&on, 1, 1, "Brukarna i hemtjänsten ska känna sig trygga med de insatser de får.", GoalState::Adopted, "on-1"),
            (&rn, 1, 1, "Antalet bränder i bostäder ska minska.", GoalState::Adopted, "rn-1"),
            (&tn, 7, 1, "Kommunens egna fordon ska drivas med förnybara drivmedel.", GoalState::Draft, "tn-1"),
        ] {
            let adopted = state == GoalState::Adopted;
            let department_goal = DepartmentGoal {
                id: Id::new(),
                organization_id: org.clone(),
                plan_period_id: pp.clone(),
                goal_id: goal(goal_number)?,
                owner_unit_id: board.clone(),
                number,
                title: title.into(),
                description: None,
                footnotes: TextList::default(),
                decision_reference: adopted.then(|| {
                    format!("{} 2011-02-15 § {}", key.split('-').next().unwrap_or("BN").to_uppercase(), 10 + number)
                }),
                decided_on: adopted.then(|| date(2011, 2, 15)),
                decided_by_unit_id: adopted.then(|| board.clone()),
                state,
                predecessor_id: None,
                external_id: Some(format!("demo-department-goal-{key}")),
                archived_at: None,
                created_at: now,
                updated_at: now,
                version: 1,
            };
            department_goal.seed(conn, &self.writer())?;
            revisions::record_history(conn, &actor, &department_goal, None, None)?;
            department_goals.push(department_goal.id);
        }
        let department_goal = |i: usize| {
            department_goals
                .get(i)
                .cloned()
                .ok_or_else(|| AppError::Internal("demo department goal missing".into()))
        };

        // Indicators: goals 3 and 7 exactly as the council wrote them; the survey goals
        // measured by surveys; the department goals by their boards' own figures.
        let owners = IndicatorOwners {
            economy: klk.clone(),
            citizens: ks.clone(),
            environment: msn.clone(),
            school: buf.clone(),
            care: oms.clone(),
            rescue: rtj.clone(),
        };
        let mut goal_ids = Vec::new();
        for number in 1..=7 {
            goal_ids.push(goal(number)?);
        }
        self.indicators(conn, &actor, &owners, &goal_ids, &department_goals)?;

        // The activity plans: what each team does, who is responsible, when it is due.
        enum For {
            Goal(usize),
            Department(usize),
        }
        let activities = [
            (
                &team_bla,
                For::Department(0),
                "Gå igenom rutinerna för lämning och hämtning med alla vårdnadshavare",
                "Arbetslagsledaren",
                date(2011, 3, 31),
                ActivityStatus::Done,
                Some(date(2011, 3, 28)),
            ),
            (
                &team_bla,
                For::Department(0),
                "Kartlägga otrygga platser på gården tillsammans med barnen",
                "Förskollärarna",
                date(2011, 5, 31),
                ActivityStatus::InProgress,
                None,
            ),
            (
                &team_bla,
                For::Department(1),
                "Stående punkt om målen och aktiviteterna på varje arbetsplatsträff",
                "Arbetslagsledaren",
                date(2011, 2, 28),
                ActivityStatus::Done,
                Some(date(2011, 2, 15)),
            ),
            (
                &team_f3,
                For::Department(0),
                "Trygghetsvandring på skolgården med elevrådet",
                "Mentorerna i F–3",
                date(2011, 4, 30),
                ActivityStatus::Done,
                Some(date(2011, 4, 12)),
            ),
            (
                &team_f3,
                For::Department(0),
                "Vuxen på rasterna enligt rastvaktsschema",
                "Arbetslaget",
                date(2011, 8, 31),
                ActivityStatus::Planned,
                None,
            ),
            (
                &team_f3,
                For::Goal(2),
                "Öppet hus för nyinflyttade familjer",
                "Rektor",
                date(2011, 9, 30),
                ActivityStatus::Cancelled,
                None,
            ),
            (
                &team_ht,
                For::Department(2),
                "Presentera ny personal för brukaren före första besöket",
                "Samordnaren",
                date(2011, 6, 30),
                ActivityStatus::InProgress,
                None,
            ),
            (
                &team_ht,
                For::Goal(6),
                "Planera körturerna så att bilarna kör kortare sträckor",
                "Samordnaren",
                date(2011, 10, 31),
                ActivityStatus::Planned,
                None,
            ),
            (
                &team_rtj,
                For::Department(3),
                "Hembesök med brandskyddsinformation i nybyggda bostadsområden",
                "Styrkeledaren",
                date(2011, 9, 30),
                ActivityStatus::Planned,
                None,
            ),
            (
                &team_park,
                For::Goal(1),
                "Se över belysningen på gång- och cykelvägar",
                "Arbetsledaren",
                date(2011, 10, 31),
                ActivityStatus::InProgress,
                None,
            ),
            (
                &team_park,
                For::Department(4),
                "Byta två arbetsfordon mot biogasbilar",
                "Arbetsledaren",
                date(2012, 6, 30),
                ActivityStatus::Planned,
                None,
            ),
            (
                &team_medb,
                For::Goal(2),
                "Svara på e-post från medborgare inom två arbetsdagar",
                "Kontaktcentrets handläggare",
                date(2011, 12, 31),
                ActivityStatus::InProgress,
                None,
            ),
        ];
        for (index, (team, target, title, responsible, due, status, done_on)) in
            activities.into_iter().enumerate()
        {
            let (goal_id, department_goal_id) = match target {
                For::Goal(number) => (Some(goal(number)?), None),
                For::Department(i) => (None, Some(department_goal(i)?)),
            };
            Activity {
                id: Id::new(),
                organization_id: org.clone(),
                team_id: team.clone(),
                goal_id,
                department_goal_id,
                title: title.into(),
                description: None,
                responsible: Some(responsible.into()),
                due_date: Some(due),
                status,
                done_on,
                predecessor_id: None,
                external_id: Some(format!("demo-activity-{}", index + 1)),
                archived_at: None,
                created_at: now,
                updated_at: now,
                version: 1,
            }
            .seed(conn, &self.writer())?;
        }

        // The key persons of the administrations and the steering group: a lead and a
        // responsible per perspective, with their job titles. The names are invented; the
        // municipality enters the real ones. Phone numbers are from the range set aside
        // for fiction.
        let key_person = |name, administration| {
            (
                ContactRole::KeyPerson,
                name,
                None,
                Some(administration),
                None,
            )
        };
        let steering_group =
            |role, name, title, perspective| (role, name, Some(title), None, perspective);
        let contacts = [
            key_person("Anna Exempelsson", &buf),
            key_person("Erik Prov", &buf),
            key_person("Karin Testberg", &rtj),
            key_person("Lars Påhittad", &oms),
            key_person("Maria Fiktiv", &tkt),
            key_person("Olof Exempel", &medb),
            steering_group(
                ContactRole::SteeringGroupLead,
                "Sara Demo",
                "Kvalitets- och utvecklingsansvarig",
                None,
            ),
            steering_group(
                ContactRole::SteeringGroupMember,
                "Sara Demo",
                "Kvalitets- och utvecklingsansvarig",
                Some(0),
            ),
            steering_group(
                ContactRole::SteeringGroupMember,
                "Per Påhitt",
                "Ekonomichef",
                Some(1),
            ),
            steering_group(
                ContactRole::SteeringGroupMember,
                "Eva Exempeldotter",
                "Personalchef",
                Some(1),
            ),
            steering_group(
                ContactRole::SteeringGroupMember,
                "Jonas Prov",
                "Miljöstrateg",
                Some(2),
            ),
        ];
        // One person may hold two roles (the lead answers for a perspective too): one phone.
        let mut people: Vec<&str> = Vec::new();
        for (index, (role, name, title, unit, perspective_index)) in
            contacts.into_iter().enumerate()
        {
            let person = people.iter().position(|p| *p == name).unwrap_or_else(|| {
                people.push(name);
                people.len() - 1
            });
            let address = name
                .to_lowercase()
                .replace(' ', ".")
                .replace(['å', 'ä'], "a")
                .replace('ö', "o");
            Contact {
                id: Id::new(),
                organization_id: org.clone(),
                role,
                name: name.into(),
                title: title.map(str::to_string),
                email: Some(format!("{address}@varnamo.example")),
                phone: Some(format!("070-174 06 {:02}", person + 5)),
                unit_id: unit.cloned(),
                perspective_id: perspective_index.map(perspective).transpose()?,
                external_id: Some(format!("demo-contact-{}", index + 1)),
                archived_at: None,
                created_at: now,
                updated_at: now,
                version: 1,
            }
            .seed(conn, &self.writer())?;
        }
        Ok(())
    }
}

/// Who owns the demo's indicators.
struct IndicatorOwners {
    economy: Id,
    citizens: Id,
    environment: Id,
    school: Id,
    care: Id,
    rescue: Id,
}

/// A demo indicator: yearly, manual, higher is better unless it says otherwise.
fn spec<'a>(
    key: &'static str,
    name: &'static str,
    unit: &'static str,
    owner: &'a Id,
) -> IndicatorSpec<'a> {
    IndicatorSpec {
        key,
        goal: None,
        department_goal: None,
        name,
        unit,
        owner,
        direction: Direction::HigherIsBetter,
        baseline: None,
        source: Source::Manual,
        kolada_kpi: None,
        targets: Vec::new(),
        tolerance: (0.0, ToleranceUnit::Absolute),
    }
}

/// A demo indicator.
struct IndicatorSpec<'a> {
    key: &'static str,
    goal: Option<Id>,
    department_goal: Option<Id>,
    name: &'static str,
    unit: &'static str,
    owner: &'a Id,
    direction: Direction,
    baseline: Option<(f64, &'static str)>,
    source: Source,
    kolada_kpi: Option<&'static str>,
    targets: Vec<Target>,
    tolerance: (f64, ToleranceUnit),
}
