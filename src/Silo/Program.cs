using Autograd.Cluster.Silo.Hosting;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
// Checked before UseOrleans, which reads some Orleans:* keys itself: a bad value fails here, naming its key.
var hosting = SiloHostingOptions.Read(builder.Configuration);
builder.UseOrleans(silo => silo.UseClustering(hosting).AddAutogradTraining());
await builder.Build().RunAsync();
