import { Octokit } from "@octokit/rest";
import { throttling } from "@octokit/plugin-throttling";

const TOKEN_PREFIXES = ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"];

export function looksLikeGitHubToken(value: string): boolean {
  return TOKEN_PREFIXES.some((p) => value.startsWith(p));
}

export function createClient(): Octokit {
  const auth = process.env.GITHUB_TOKEN ?? process.env.GH_TOKEN;
  if (!auth || !looksLikeGitHubToken(auth)) {
    throw new Error("GITHUB_TOKEN is missing or malformed (expected e.g. ghp_…)");
  }
  const MyOctokit = Octokit.plugin(throttling);
  return new MyOctokit({
    auth,
    userAgent: "acme-release-bot/1.4",
    throttle: {
      onRateLimit: (retryAfter, options, octokit, retryCount) => retryCount < 2,
      onSecondaryRateLimit: () => true,
    },
  });
}
