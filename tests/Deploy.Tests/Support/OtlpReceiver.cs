using System.Net;
using System.Text;

namespace Autograd.Cluster.Deploy.Tests.Support;

/// <summary>
/// A stand-in OpenTelemetry collector for OTLP over HTTP (<c>http/protobuf</c>): accepts every export on loopback,
/// answers 200 and keeps the request bodies, whose protobuf strings (resource attributes, service name) are plain
/// UTF-8 bytes a test can search.
/// </summary>
internal sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<(string Path, byte[] Body)> _exports = [];
    private readonly Task _loop;

    public OtlpReceiver(int port)
    {
        Endpoint = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>What OTEL_EXPORTER_OTLP_ENDPOINT should say.</summary>
    public string Endpoint { get; }

    /// <summary>Whether an export to <paramref name="path"/> (e.g. <c>/v1/logs</c>) contained <paramref name="text"/>.</summary>
    public bool Received(string path, string text)
    {
        byte[] needle = Encoding.UTF8.GetBytes(text);
        lock (_exports) return _exports.Any(e => e.Path == path && e.Body.AsSpan().IndexOf(needle) >= 0);
    }

    /// <summary>The paths exported to so far.</summary>
    public string Paths()
    {
        lock (_exports) return string.Join(", ", _exports.Select(e => e.Path).Distinct());
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The loop ends by the listener's closing.
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            lock (_exports) _exports.Add((context.Request.Url!.AbsolutePath, body.ToArray()));
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }
}
