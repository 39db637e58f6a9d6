const { SESClient, SendEmailCommand } = require("@aws-sdk/client-ses");

const ses = new SESClient({
  region: "us-east-1",
  credentials: {
    accessKeyId: "AKIAORSRPG7WPTBT3E57",
    secretAccessKey: "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",
  },
});

async function sendPasswordReset(to, link) {
  const cmd = new SendEmailCommand({
    Source: "no-reply@acme-widgets.com",
    Destination: { ToAddresses: [to] },
    Message: {
      Subject: { Data: "Reset your password" },
      Body: { Text: { Data: `Use this link to reset your password: ${link}` } },
    },
  });
  return ses.send(cmd);
}

module.exports = { sendPasswordReset };
