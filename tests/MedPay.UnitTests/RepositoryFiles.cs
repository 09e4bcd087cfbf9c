using System.Text.RegularExpressions;

namespace MedPay.UnitTests;

/// <summary>The repository's own files, for the tests that check what cannot run here (images, manifests) against the code.</summary>
internal static partial class RepositoryFiles
{
    public static readonly string Root = FindRoot();

    public static string Read(string path) => File.ReadAllText(Path.Combine(Root, path));

    /// <summary>A project and every project it references, transitively, as paths from the root with '/'.</summary>
    public static IReadOnlyList<string> ProjectClosure(string project)
    {
        var needed = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.Combine(Root, project)]);
        while (pending.TryPop(out var path))
        {
            if (!needed.Add(Path.GetRelativePath(Root, path).Replace('\\', '/')))
            {
                continue;
            }

            foreach (Match reference in ProjectReference().Matches(File.ReadAllText(path)))
            {
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, reference.Groups["path"].Value.Replace('\\', '/'))));
            }
        }

        return [.. needed];
    }

    /// <summary>A Dockerfile's COPY lines from the build context (not from another stage): their sources.</summary>
    [GeneratedRegex(@"^COPY (?!--from)(?<sources>.+) \S+$", RegexOptions.Multiline)]
    public static partial Regex CopyLine();

    [GeneratedRegex(@"^FROM (?<image>\S+)", RegexOptions.Multiline)]
    public static partial Regex FromLine();

    [GeneratedRegex(@"<ProjectReference Include=""(?<path>[^""]+)""")]
    private static partial Regex ProjectReference();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MedPay.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("MedPay.sln not found above the test's directory.");
    }
}
