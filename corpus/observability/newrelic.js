'use strict'
/**
 * New Relic agent configuration.
 * See lib/config/default.js in the agent distribution for more details.
 */
exports.config = {
  app_name: [process.env.NEW_RELIC_APP_NAME || 'orders-api'],
  license_key: process.env.NEW_RELIC_LICENSE_KEY,
  distributed_tracing: { enabled: true },
  logging: { level: 'info' },
  allow_all_headers: true,
  attributes: {
    exclude: [
      'request.headers.cookie',
      'request.headers.authorization',
      'request.headers.proxyAuthorization',
      'request.headers.setCookie*',
      'request.headers.x*',
      'response.headers.cookie',
      'response.headers.authorization',
    ],
  },
}
