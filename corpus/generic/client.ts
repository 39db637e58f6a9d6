import axios from "axios";

const apiKey = process.env.TRIDENT_API_KEY;
const clientSecret = process.env.OAUTH_CLIENT_SECRET!;

export const api = axios.create({
  baseURL: process.env.TRIDENT_API_URL ?? "http://localhost:4000",
  headers: { "X-API-Key": apiKey ?? "" },
});

export async function getToken(code: string) {
  const { data } = await axios.post("/oauth/token", {
    grant_type: "authorization_code",
    client_id: "trident-web",
    client_secret: clientSecret,
    code,
  });
  return data.access_token as string;
}

export function authHeader(req: Request): string | null {
  const token = req.headers.get("Authorization");
  return token?.startsWith("Bearer ") ? token.slice(7) : null;
}
