using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Autograd.Cluster.Testing;

/// <summary>An OS process a test or benchmark started, with its output kept (the tail) for failure messages.</summary>
public sealed class ChildProcess : IDisposable
{
    private const int MaxLines = 200;
    private readonly Queue<string> _lines = new();
    private readonly Process _process;
    private bool _disposed;

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    /// <summary>The name failure messages give the process.</summary>
    public string Name { get; }

    /// <summary>The OS process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/>, capturing stdout and stderr.</summary>
    /// <param name="name">The name failure messages give the process.</param>
    /// <param name="fileName">The executable (a path, or a name looked up on PATH).</param>
    /// <param name="arguments">Its arguments, each passed as one argument (no shell quoting).</param>
    /// <param name="environment">Variables set on top of the inherited (or, with <paramref name="cleanEnvironment"/>, the clean) environment.</param>
    /// <param name="cleanEnvironment">Start with no variable but PATH, HOME and DOTNET_ROOT, as a container starts with only its image's and manifest's.</param>
    public static ChildProcess Start(
        string name, string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, bool cleanEnvironment = false)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        if (cleanEnvironment)
        {
            var keep = new[] { "PATH", "HOME", "DOTNET_ROOT" }.Where(k => info.Environment.ContainsKey(k)).ToDictionary(k => k, k => info.Environment[k]);
            info.Environment.Clear();
            foreach (var (key, value) in keep) info.Environment[key] = value;
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        var process = new Process { StartInfo = info };
        var child = new ChildProcess(name, process);
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>SIGKILL to the process and its children: no shutdown, as a crashed host.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>SIGTERM, as the kubelet stops a container; the process shuts down on its own.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the process to exit; its exit code, or null if it still runs.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>A header naming the process (and its exit code once it exited) and the last lines it wrote.</summary>
    public string Output()
    {
        lock (_lines)
        {
            var text = new StringBuilder();
            text.AppendLine($"--- {Name} (pid {_process.Id}{(_process.HasExited ? $", exited {_process.ExitCode}" : "")}), last {_lines.Count} lines:");
            foreach (var line in _lines) text.AppendLine(line);
            return text.ToString();
        }
    }

    /// <summary>Kills the process (see <see cref="Kill"/>) if it still runs.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_lines)
        {
            _lines.Enqueue(line);
            while (_lines.Count > MaxLines) _lines.Dequeue();
        }
    }
}
