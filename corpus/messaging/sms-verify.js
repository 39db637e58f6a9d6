// scripts/sms-verify.js - quick manual test for the OTP flow
const twilio = require('twilio');

const accountSid = 'ACebafcb04d50ba681ab146b3ededbfed6';
const apiKey = 'SK5f62e0597fdafdc9b2a81f96eec866f1';
const apiSecret = 'YLIp8h3yyq8NUrLACJsZAMx3ZGfztgGg';

const client = twilio(apiKey, apiSecret, { accountSid });

async function main(to) {
  const verification = await client.verify.v2
    .services('VA3446bd732f6efb34f0edbc590930d567')
    .verifications.create({ to, channel: 'sms' });
  console.log(verification.sid, verification.status);
}

main(process.argv[2]).catch((err) => {
  console.error(err);
  process.exit(1);
});
