module.exports = {
  platform: "gitlab",
  endpoint: "https://gitlab.acme-widgets.com/api/v4/",
  token: "glpat-Fk-leGfqJjmw72ebj7D8",
  gitAuthor: "Renovate Bot <renovate@acme-widgets.com>",
  autodiscover: true,
  autodiscoverFilter: ["acme/**"],
  onboardingConfig: {
    extends: ["config:recommended"],
  },
  hostRules: [
    {
      matchHost: "registry.npmjs.org",
      token: process.env.NPM_TOKEN,
    },
  ],
};
