using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using PostmarkDotNet;

namespace Ledgerly.Notifications
{
    public class EmailService
    {
        private readonly PostmarkClient _client;

        public EmailService(IConfiguration config)
        {
            // _client = new PostmarkClient("3187dede-289c-4795-905e-7f96389ebd52");
            _client = new PostmarkClient(config["Postmark:ServerToken"]);
        }

        public Task<PostmarkResponse> SendReceiptAsync(string to, string html)
        {
            var message = new PostmarkMessage
            {
                To = to,
                From = "receipts@ledgerly.app",
                Subject = "Your receipt",
                HtmlBody = html,
                MessageStream = "outbound"
            };
            return _client.SendMessageAsync(message);
        }
    }
}
