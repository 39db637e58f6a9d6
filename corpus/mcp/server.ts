import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const API_KEY = process.env.LINEAR_API_KEY;
if (!API_KEY) {
  console.error("LINEAR_API_KEY is not set (expected something like lin_api_…)");
  process.exit(1);
}

const server = new McpServer({
  name: "linear-lite",
  version: "0.3.1",
  icons: [{ src: "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAEG0lEQVR4nAEQBO/7AImHLr8Dndki9w29JgSpDsiWXAWKywvtJAMi9XuRXHwCWQywzhiS9nfdhHvpE8av3i6SRpSrW5zxz+rocrhhzVMAhN4Vqv3WMsaAxga0WMDm0TgqXgqyHE782EobjAwy1jlNrFwwElVAKciAqNTGpndgJJyapRQ5nY3AwSv2EyQ6dgBGMOh370EHPS2zXy3KtNLL7WtvlGkj6PC3pF8p21t8TzV62L/7mDHPvGiyYKb0nRii/IB1lnm7XKyHLtZZinKkAAXaZVlfaYRfpnECsWOU8UVFqGHwhFsCRcrqnqsPgClHtVFM8gIiIK6tbiGloGF+qME1TqMDoIpRuiQGZfN5KFoALS8VVSs8zLMVOvx5Zl8J18Ev1pNoixDuj9w7x5NibiB62Zl2qISomPTWkokGr/gICRwaLlgCPLe6HkHT8oBGggD0RV1IJfahK6GcIR4OuqiwbZgx3Vp4PZr9VQrc+x/KusVvMCoI65dRTY4B6UYp7Hx+GCDok1h1sG4mc9Hy5b2rAIEAXklA5bzMVZfnY17GtAgjZtYIjchc/zdyqtgQ042SByLzm/FEQEiH2L+ZI2Di04InEvzF9IFjw5iFVZzCoCEA1vxHcKe47xBDPdUYho3ZwWmLgpGyBEeNT6PYQeszrJwDGVyUv3udnFCB9bxcRaPNh3oQRYcMgUuN570QqmsmzQADABSwUnjU8P5bwvPagyJfJSMs8RdrxZdOHfwKNOS+NQ5fevaNK8HcyiQg0U3PR7cJhZCJ8kB/Ij/xH/CKhrM4AE4NMrjMrcFuIQO6tSDGimW6ovpW34K7JW+jAD2emIovA8E6eUAGBJixvPq1E0cvwz93ZCil3AT7e+VyJSebiFEABdT1LCuP2byzMKywx6RRJTxeMsoahwGWczrtr+BqmKIxX/Id8nqG7XInatBt8EThl72UHYaThv6s9fPSS/kMXwDqJE5jM57brYzKO7PsE+TL9SXPPMwLBYqcrG/1DeZ/0jToK8qIjm1PwzjGxbIqGGNdPkLosExk/UMVBZGbiM2MAOyItJ5cGjBVm3+nmPGy+FdM4bY8H0v6FFPDvedvRm9wsozreSszHTbkUsnHfMLAKhdwHWJbYzv1OuuD60Qx5YMA5ntzhpyfEGi9oxCDSlXpqLxRTrlTs7OF11Mp7K12XVv3kDhBRfLq4gsNfkzXvIqE4qPmQTLimD3aiTBYQ3w25wBh2XBC0S1wrGorSBUp64HctY8KAbk1Jt41jUvXBzjF5sx7+s2uVTXlCOEYpgfYE+t0Q4S6APbxOkhrcQaYhnJZAHqku1DRnidsb34iHbrJgDpmTPcBp+IwCLzoNqm7LbYDQ/wl0mGYW8Sa6y8eUp/rHr+5IYvkNEsITlLTt5etMXBWPvsMZ0SRBgAAAABJRU5ErkJggg==", mimeType: "image/png" }],
});

server.tool(
  "search_issues",
  { query: z.string().min(2), limit: z.number().int().max(50).default(10) },
  async ({ query, limit }) => {
    const res = await fetch("https://api.linear.app/graphql", {
      method: "POST",
      headers: { Authorization: API_KEY!, "Content-Type": "application/json" },
      body: JSON.stringify({
        query: `query($q:String!,$n:Int){ searchIssues(term:$q, first:$n){ nodes { identifier title url } } }`,
        variables: { q: query, n: limit },
      }),
    });
    const json = await res.json();
    return { content: [{ type: "text", text: JSON.stringify(json.data.searchIssues.nodes, null, 2) }] };
  },
);

await server.connect(new StdioServerTransport());
