using Autograd.Cluster.ServiceDefaults;
using Autograd.Cluster.Silo.Hosting;
using Autograd.Cluster.Silo.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Orleans.Dashboard;

var builder = WebApplication.CreateBuilder(args);
// Checked before UseOrleans, which reads some Orleans:* keys itself: a bad value fails here, naming its key.
var hosting = SiloHostingOptions.Read(builder.Configuration);
var tls = TlsSettings.Read(builder.Configuration);
var dashboard = DashboardAccess.Read(builder.Configuration, hosting);
builder.AddServiceDefaults().AddSiloHealthChecks().AddProcessHealth();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(hosting.HttpListenAddress, hosting.HttpPort));
builder.UseOrleans(silo => silo.UseClustering(hosting).UseClusterTls(tls).AddAutogradTraining().AddTracing(builder.Configuration).AddDashboardIf(hosting));
var app = builder.Build();
app.MapDefaultEndpoints();
if (hosting.OrleansDashboard)
{
    // The dashboard shows every job and grain: behind its token (DashboardAccess) whenever one is configured.
    app.UseDashboardAccess(dashboard, "/dashboard");
    app.MapOrleansDashboard(routePrefix: "/dashboard");
}
await app.RunAsync();
