// A typed client of the malstyrning API: prints a plan period's goal tree (with each goal's
// indicators, statuses and owner, in one request) and a work team's activity plan (with the
// goals' records and the team's key persons, and only the activity members a board shows).
//
// Types come from the OpenAPI contract: `npm run generate` writes src/schema.d.ts from
// ../../openapi/openapi.json (or `npm run generate:served` from a running service).
//
//   API_TOKEN=$(cd ../.. && cargo run -q -- token --org 0683 --role viewer) npm start
//
// Environment: API_TOKEN (required), API_URL (default http://127.0.0.1:8080), and optionally
// PLAN_PERIOD_ID, REPORTING_PERIOD_ID, TEAM_ID (by default the first of each).

import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Schemas = components["schemas"];
type Problem = Schemas["Problem"];

const apiUrl = process.env.API_URL ?? "http://127.0.0.1:8080";
const token = process.env.API_TOKEN;
if (!token) {
  console.error("Set API_TOKEN, e.g. API_TOKEN=$(cd ../.. && cargo run -q -- token --org 0683 --role viewer)");
  process.exit(2);
}

// "application/json": the activity plan also answers text/csv; this client reads JSON only.
const api = createClient<paths, "application/json">({
  baseUrl: apiUrl,
  headers: { Authorization: `Bearer ${token}` },
  // `expand` and `fields` are comma-separated lists (OpenAPI style `form`, `explode: false`).
  querySerializer: { array: { style: "form", explode: false } },
});

/** The data of an answer, or an Error with the problem+json's detail and fields. */
function ok<T>(answer: { data?: T; error?: Problem | unknown; response: Response }): T {
  if (answer.data !== undefined) return answer.data;
  const problem = answer.error as Partial<Problem> | undefined;
  const fields = (problem?.errors ?? []).map((e) => `${e.field}: ${e.message}`).join("; ");
  throw new Error(`${answer.response.status} ${problem?.detail ?? answer.response.statusText}${fields ? ` (${fields})` : ""}`);
}

const LIGHT: Record<Schemas["Light"], string> = {
  green: "grön",
  yellow: "gul",
  red: "röd",
  insufficient_data: "underlag saknas",
};

function light(status?: { status: Schemas["Light"] }): string {
  return status ? `[${LIGHT[status.status]}]` : "";
}

function indicatorLine(indicator: Schemas["TreeIndicator"]): string {
  const status = indicator.status;
  const value = status?.value != null ? `${status.value} ${indicator.unit_of_measure} (${status.period})` : "inget värde";
  return `${indicator.name}: ${value} ${light(status)}`;
}

async function firstId(path: "/api/v1/plan-periods"): Promise<string> {
  const page = ok(await api.GET(path, { params: { query: { limit: 1 } } }));
  const first = page.items[0];
  if (!first) throw new Error(`nothing at ${path}`);
  return first.id;
}

async function printGoalTree(planPeriodId: string): Promise<void> {
  let reportingPeriodId = process.env.REPORTING_PERIOD_ID;
  if (!reportingPeriodId) {
    // The plan period's reporting period that ends last.
    const periods = ok(
      await api.GET("/api/v1/reporting-periods", {
        params: { query: { plan_period_id: planPeriodId, limit: 500 } },
      }),
    ).items;
    periods.sort((a, b) => a.end_date.localeCompare(b.end_date));
    reportingPeriodId = periods.at(-1)?.id;
  }
  const tree = ok(
    await api.GET("/api/v1/plan-periods/{id}/goal-tree", {
      params: {
        path: { id: planPeriodId },
        query: reportingPeriodId
          ? { expand: ["indicators", "status", "owner", "contacts"], reporting_period_id: reportingPeriodId }
          : { expand: ["indicators", "owner", "contacts"] },
      },
    }),
  );
  console.log(`# ${tree.plan_period.name}`);
  if (tree.vision) console.log(`Vision: ${tree.vision.vision}`);
  const lead = tree.contacts?.map((c) => c.name).join(", ");
  if (lead) console.log(`Styrgruppens ledare: ${lead}`);
  for (const node of tree.perspectives) {
    const responsible = node.contacts?.map((c) => c.name).join(", ");
    console.log(`\n## ${node.perspective.name}${responsible ? ` (ansvarig: ${responsible})` : ""}`);
    for (const goal of node.goals) {
      const owner = goal.owner_unit?.short_code ?? goal.owner_unit?.name ?? "";
      console.log(`${goal.goal.number}. ${goal.goal.title} ${light(goal.status)} – ${owner}`);
      for (const indicator of goal.indicators ?? []) console.log(`     · ${indicatorLine(indicator)}`);
      for (const department of goal.department_goals) {
        const board = department.owner_unit?.short_code ?? department.owner_unit?.name ?? "";
        const counts = department.activities;
        console.log(
          `   ${board} ${department.department_goal.number}. ${department.department_goal.title} ${light(department.status)}` +
            ` – aktiviteter ${counts.done}/${counts.total} klara`,
        );
        for (const indicator of department.indicators ?? []) console.log(`       · ${indicatorLine(indicator)}`);
      }
    }
  }
}

async function printActivityPlan(): Promise<void> {
  let teamId = process.env.TEAM_ID;
  if (!teamId) {
    // The team of the first activity there is.
    const activities = ok(await api.GET("/api/v1/activities", { params: { query: { limit: 1 } } }));
    teamId = activities.items[0]?.team_id;
    if (!teamId) throw new Error("no activities: set TEAM_ID");
  }
  const plan = ok(
    await api.GET("/api/v1/units/{id}/activity-plan", {
      params: {
        path: { id: teamId },
        query: {
          expand: ["goal", "contacts"],
          // Only what the board shows (and `id`, which always comes along). The generated type
          // still lists every member: read only those asked for.
          fields: ["title", "responsible", "due_date", "status", "done", "overdue"],
        },
      },
    }),
  );
  console.log(`\n# Aktivitetsplan: ${plan.team.name} (${plan.as_of})`);
  const keyPersons = plan.contacts?.map((c) => [c.name, c.email].filter(Boolean).join(" ")).join(", ");
  if (keyPersons) console.log(`Nyckelpersoner: ${keyPersons}`);
  for (const sheet of plan.sheets) {
    const above =
      sheet.department_goal && sheet.overarching_goal
        ? ` (mål ${sheet.overarching_goal.number}: ${sheet.overarching_goal.title})`
        : "";
    console.log(`\n## ${sheet.goal.label} ${sheet.goal.title}${above}`);
    for (const line of sheet.activities) {
      const mark = line.done ? "[x]" : line.overdue ? "[!]" : "[ ]";
      const due = line.due_date ? `klart ${line.due_date}` : "inget datum";
      console.log(`${mark} ${line.title} – ${line.responsible ?? "ingen ansvarig"}, ${due}`);
    }
  }
}

const planPeriodId = process.env.PLAN_PERIOD_ID ?? (await firstId("/api/v1/plan-periods"));
await printGoalTree(planPeriodId);
await printActivityPlan();
