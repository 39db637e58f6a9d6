import { Auth0Provider } from "@auth0/auth0-react";
import type { ReactNode } from "react";

// SPA client id and domain are public values; SPAs have no client secret.
export function AuthProvider({ children }: { children: ReactNode }) {
  return (
    <Auth0Provider
      domain="tessellate.eu.auth0.com"
      clientId="sw5wE8BIoXXCc33BnRN2Pot7Hn0HBHhF"
      authorizationParams={{
        redirect_uri: window.location.origin + "/callback",
        audience: "https://api.tessellate.io",
        scope: "openid profile email read:projects",
      }}
      cacheLocation="memory"
      useRefreshTokens
    >
      {children}
    </Auth0Provider>
  );
}
