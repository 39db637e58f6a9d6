// Publishable keys are meant to ship to the browser (https://stripe.com/docs/keys#obtain-api-keys).
const stripe = Stripe('pk_live_514gx97JhyKIfkmbEgHy9N4uXC7TAajAMpz4WkitekrpFAvuKsUFxNQPwmcwIb8H6xQoFAsv40vQJeKEpoyeQRDoR5UT1Dc8Qzp');

const elements = stripe.elements({ clientSecret: window.__CHECKOUT__.clientSecret, appearance: { theme: 'stripe' } });
const paymentElement = elements.create('payment', { layout: 'tabs' });
paymentElement.mount('#payment-element');

document.querySelector('#payment-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const { error } = await stripe.confirmPayment({
    elements,
    confirmParams: { return_url: `${window.location.origin}/order/complete` },
  });
  if (error) {
    document.querySelector('#payment-message').textContent = error.message;
  }
});
