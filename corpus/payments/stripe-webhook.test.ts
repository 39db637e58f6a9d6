import Stripe from 'stripe';
import { handleEvent } from '../src/webhooks';

const stripe = new Stripe(process.env.STRIPE_SECRET_KEY ?? 'sk_test_placeholder', { apiVersion: '2023-10-16' });

// Fixture ids below are object ids, not credentials.
const invoicePaid = {
  id: 'evt_1OpS2vLkdIwHu7ixqG9Wm3Zb',
  object: 'event',
  type: 'invoice.paid',
  data: {
    object: {
      id: 'in_1OpS2tLkdIwHu7ixVwcCqK1a',
      customer: 'cus_PeLh1XnOQ0iSJb',
      subscription: 'sub_1OpS2sLkdIwHu7ixzYc3sMTn',
      payment_intent: 'pi_3OpS2uLkdIwHu7ix0nMZ1Y6F',
      amount_paid: 4900,
      currency: 'usd',
    },
  },
};

describe('invoice.paid', () => {
  it('activates the subscription', async () => {
    const payload = JSON.stringify(invoicePaid);
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret: process.env.STRIPE_WEBHOOK_SECRET! });
    const event = stripe.webhooks.constructEvent(payload, header, process.env.STRIPE_WEBHOOK_SECRET!);
    await expect(handleEvent(event)).resolves.toEqual({ activated: 'sub_1OpS2sLkdIwHu7ixzYc3sMTn' });
  });

  it('uses the standard test card', () => {
    expect('4242 4242 4242 4242'.replace(/ /g, '')).toHaveLength(16);
  });
});
