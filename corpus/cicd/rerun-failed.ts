// Re-run failed workflows on main from the last 24h.
const CIRCLE_TOKEN = "CCIPAT_3SIpj85Jt25vcMmjCR0aoE_eee4d7d123412b66edf556a45f059a469070938d";
const PROJECT_SLUG = "gh/acme-widgets/web";

async function api(path: string, init: RequestInit = {}) {
  const res = await fetch(`https://circleci.com/api/v2${path}`, {
    ...init,
    headers: { "Circle-Token": CIRCLE_TOKEN, "Content-Type": "application/json", ...(init.headers ?? {}) },
  });
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  return res.json();
}

const pipelines = await api(`/project/${PROJECT_SLUG}/pipeline?branch=main`);
for (const p of pipelines.items) {
  const wfs = await api(`/pipeline/${p.id}/workflow`);
  for (const wf of wfs.items.filter((w: any) => w.status === "failed")) {
    await api(`/workflow/${wf.id}/rerun`, { method: "POST", body: JSON.stringify({ from_failed: true }) });
    console.log(`rerun ${wf.name} (${wf.id})`);
  }
}
