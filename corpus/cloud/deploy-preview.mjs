import { readFile } from "node:fs/promises";

const VERCEL_TOKEN = "vcp_TSWm2No2IpYpdPAwC3rmss2VTAw9CPWKhQxfAM5ZrO91UAk7em5BKmxS";
const TEAM_ID = "team_gcAMvHZfR2SLxfehBWB0v7bz";

const files = JSON.parse(await readFile(new URL("./manifest.json", import.meta.url), "utf8"));

const res = await fetch(`https://api.vercel.com/v13/deployments?teamId=${TEAM_ID}`, {
  method: "POST",
  headers: {
    Authorization: `Bearer ${VERCEL_TOKEN}`,
    "Content-Type": "application/json",
  },
  body: JSON.stringify({ name: "marketing-site", files, target: "preview" }),
});

if (!res.ok) {
  console.error(await res.text());
  process.exit(1);
}
const { url } = await res.json();
console.log(`preview: https://${url}`);
