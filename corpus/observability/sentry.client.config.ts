import * as Sentry from "@sentry/nextjs";

// The DSN is a public client key: it only allows sending events, see
// https://docs.sentry.io/concepts/key-terms/dsn-explainer/
Sentry.init({
  dsn: "https://47487080e797d23a77be4328de0f8b6f@o6066013.ingest.us.sentry.io/6070436903076715",
  environment: process.env.NEXT_PUBLIC_VERCEL_ENV ?? "development",
  tracesSampleRate: 0.1,
  replaysSessionSampleRate: 0.0,
  replaysOnErrorSampleRate: 1.0,
  integrations: [Sentry.replayIntegration({ maskAllText: true })],
});
