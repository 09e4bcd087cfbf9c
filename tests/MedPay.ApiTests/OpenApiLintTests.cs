using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace MedPay.ApiTests;

/// <summary>
/// The OpenAPI document a generated client is built from: Redocly's linter with its recommended rules (the repository's
/// redocly.yaml) finds no error and no warning in it.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class OpenApiLintTests(ApiFixture fixture)
{
    [Fact]
    public async Task The_openapi_document_passes_redocly_lint_with_the_recommended_rules_without_errors_or_warnings()
    {
        using var response = await fixture.Anonymous.GetAsync("/openapi/v1.json");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK,
            $"/openapi/v1.json: {(int)response.StatusCode} {text}\n{string.Join('\n', fixture.Logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal)).TakeLast(3))}");

        var root = RepositoryRoot();
        var cli = Path.Combine(root, "node_modules", "@redocly", "cli", "bin", "cli.js");
        Assert.True(File.Exists(cli), $"{cli} is missing: install the node tools (npm ci) first.");

        // Kept when the linter finds anything, so that the failure can be looked at.
        var file = Path.Combine(Path.GetTempPath(), $"medpay-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, text);
        var (exitCode, output, errors) = await RunAsync(root, "node", cli, "lint", file, "--format=json", "--max-problems=1000", "--config", Path.Combine(root, "redocly.yaml"));
        JsonElement report;
        try
        {
            report = JsonDocument.Parse(output).RootElement.Clone();
        }
        catch (JsonException)
        {
            Assert.Fail($"redocly lint did not answer JSON (exit {exitCode}, the document is kept at {file}):\n{output}\n{errors}");
            return;
        }

        var totals = report.GetProperty("totals");
        var errorCount = totals.GetProperty("errors").GetInt32();
        var warningCount = totals.GetProperty("warnings").GetInt32();
        var problems = new StringBuilder();
        foreach (var problem in report.GetProperty("problems").EnumerateArray())
        {
            var pointer = problem.GetProperty("location").EnumerateArray().Select(l => l.GetProperty("pointer").GetString()).FirstOrDefault();
            problems.AppendLine($"{problem.GetProperty("severity").GetString()} {problem.GetProperty("ruleId").GetString()} at {pointer}: {problem.GetProperty("message").GetString()}");
        }

        Assert.True(errorCount == 0 && warningCount == 0, $"redocly lint: {errorCount} errors, {warningCount} warnings (the document is kept at {file})\n{problems}");
        Assert.True(exitCode == 0, $"redocly lint exited {exitCode} (the document is kept at {file}):\n{errors}");
        File.Delete(file);
    }

    /// <summary>The folder that holds MedPay.sln (and package.json, node_modules and redocly.yaml).</summary>
    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "MedPay.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds MedPay.sln.");
    }

    private static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string workingDirectory, string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // No usage telemetry, no update notices: the linter runs offline.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_NOTIFICATIONS"] = "true";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within 2 minutes.");
        }

        return (process.ExitCode, await output, await errors);
    }
}
