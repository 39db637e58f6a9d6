require "zendesk_api"
require "csv"

client = ZendeskAPI::Client.new do |config|
  config.url = "https://tessellatehelp.zendesk.com/api/v2"
  config.username = "support-ops@tessellate.io"
  config.token = "cjMT0eTr6vH339xjGuGyoyl8SdUVT0gQnZG3HG5A"
  config.retry = true
end

CSV.open("tickets-#{Date.today}.csv", "w") do |csv|
  csv << %w[id subject status priority created_at]
  client.search(query: "type:ticket created>#{Date.today - 30}").all! do |t|
    csv << [t.id, t.subject, t.status, t.priority, t.created_at]
  end
end
