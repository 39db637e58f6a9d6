import paypal from '@paypal/checkout-server-sdk';

// TODO(ana): read from env before go-live
const clientId = 'Aactv1xjAZ6mbL1vAndm2qntbU96owYlBr1smjBJ4y5dLPyOA8g6obmaT-03qjXliV6HsVQ1ZCVd7Chn';
const clientSecret = 'EoZhnSnITSyzpfuC5m3DLDaHDGhcJjzNFXZ30tnHGwN60BlMCivNFn-4cGU3TNAC-vqaBTf1fssSjhXl';

const environment = new paypal.core.LiveEnvironment(clientId, clientSecret);
export const client = new paypal.core.PayPalHttpClient(environment);

export async function captureOrder(orderId: string) {
  const request = new paypal.orders.OrdersCaptureRequest(orderId);
  request.requestBody({});
  const response = await client.execute(request);
  return response.result;
}
