import { Client } from "@notionhq/client";
import { NotionToMarkdown } from "notion-to-md";
import fs from "node:fs/promises";

const notion = new Client({ auth: "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" });
const n2m = new NotionToMarkdown({ notionClient: notion });

const DATABASE_ID = "b405caed31bd7fdd82c5c6f251a49074";

const { results } = await notion.databases.query({
  database_id: DATABASE_ID,
  filter: { property: "Status", select: { equals: "Published" } },
});

for (const page of results) {
  const slug = page.properties.Slug.rich_text[0].plain_text;
  const md = n2m.toMarkdownString(await n2m.pageToMarkdown(page.id));
  await fs.writeFile(`content/posts/${slug}.md`, md.parent);
}
