require "shopify_api"

ShopifyAPI::Context.setup(
  api_key: ENV.fetch("SHOPIFY_API_KEY"),
  api_secret_key: "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",
  host: "https://stock-sync.fly.dev",
  scope: "read_products,write_inventory",
  is_embedded: false,
  api_version: "2024-04",
  is_private: true,
)

session = ShopifyAPI::Auth::Session.new(
  shop: "acme-outdoor.myshopify.com",
  access_token: "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",
)

client = ShopifyAPI::Clients::Graphql::Admin.new(session: session)
response = client.query(query: File.read("queries/inventory_levels.graphql"))
puts response.body.dig("data", "locations", "nodes").size
