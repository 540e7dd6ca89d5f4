using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Autograd.Cluster.Silo.Tests.Security;

/// <summary>
/// A logger provider for an Orleans client that records its connection manager's failed connection attempts (Orleans
/// logs "Connection attempt to endpoint ... failed" when a gateway closes the connection, as a TLS handshake refused
/// by the silo does), so a test can wait for the refusal itself instead of a timeout.
/// </summary>
internal sealed class ConnectionAttemptLog : ILoggerProvider
{
    private const string Category = "Orleans.Runtime.Messaging.ConnectionManager";
    private readonly List<string> _failures = [];
    private readonly TaskCompletionSource _firstFailure = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the first failed connection attempt.</summary>
    public Task FirstFailure => _firstFailure.Task;

    /// <summary>The failed attempts so far, each with its exception's message.</summary>
    public IReadOnlyList<string> Failures
    {
        get
        {
            lock (_failures) return [.. _failures];
        }
    }

    public ILogger CreateLogger(string categoryName) => categoryName == Category ? new Logger(this) : NullLogger.Instance;

    public void Dispose()
    {
    }

    private void Record(string message)
    {
        lock (_failures) _failures.Add(message);
        _firstFailure.TrySetResult();
    }

    private sealed class Logger(ConnectionAttemptLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string message = formatter(state, exception);
            if (message.StartsWith("Connection attempt to endpoint", StringComparison.Ordinal) && message.Contains("failed", StringComparison.Ordinal))
                log.Record($"{message}: {exception?.GetType().Name} {exception?.Message}");
        }
    }
}
