using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.DependencyInjection;

namespace Acme.Catalog.Infrastructure;

public static class CosmosSetup
{
    private const string Endpoint = "https://acme-catalog.documents.azure.com:443/";
    private const string PrimaryKey = "Onx2t5MqpL4Vhu5AU59n9SBKo/Ldd0nbvbr7SRUFhuogX70yVV395BbqWciVoSB98oCg1pIjZLilIGGRD0xoVg==";

    public static IServiceCollection AddCatalogCosmos(this IServiceCollection services)
    {
        var client = new CosmosClient(Endpoint, PrimaryKey, new CosmosClientOptions
        {
            ApplicationName = "catalog-api",
            ConnectionMode = ConnectionMode.Direct,
            SerializerOptions = new CosmosSerializationOptions
            {
                PropertyNamingPolicy = CosmosPropertyNamingPolicy.CamelCase
            }
        });

        services.AddSingleton(client);
        services.AddSingleton(sp => client.GetContainer("catalog", "products"));
        return services;
    }
}
