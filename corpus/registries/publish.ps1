param(
    [string]$Configuration = "Release",
    [string]$Version = $(git describe --tags --abbrev=0).TrimStart("v")
)

$ErrorActionPreference = "Stop"

dotnet pack src/Acme.Widgets.Client/Acme.Widgets.Client.csproj `
    -c $Configuration -p:PackageVersion=$Version -o artifacts

Get-ChildItem artifacts/*.nupkg | ForEach-Object {
    dotnet nuget push $_.FullName `
        --source https://api.nuget.org/v3/index.json `
        -k oy22j1s69hmr12nlflgpgln58ixqgafnq1ls9eb2tfog8n `
        --skip-duplicate
}
