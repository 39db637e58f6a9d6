# config/initializers/mailgun.rb
Rails.application.configure do
  config.action_mailer.delivery_method = :mailgun
  config.action_mailer.mailgun_settings = {
    api_key: 'key-03bb8b1111d2b4a8a85abd61e5cd5baa',
    domain: 'mg.shopfront-demo.com',
    api_host: 'api.eu.mailgun.net'
  }
  config.action_mailer.default_url_options = { host: 'shopfront-demo.com', protocol: 'https' }
end
