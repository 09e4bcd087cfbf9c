namespace MedPay.UnitTests;

/// <summary>The silo image cannot be built here, so these keep silo.Dockerfile in step with the projects it builds.</summary>
public sealed class SiloDockerfileTests
{
    private static readonly string Root = RepositoryFiles.Root;
    private static readonly string Dockerfile = RepositoryFiles.Read("silo.Dockerfile");

    [Fact]
    public void Every_path_the_dockerfile_copies_from_the_repository_exists()
    {
        var sources = RepositoryFiles.CopyLine().Matches(Dockerfile).SelectMany(m => m.Groups["sources"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.NotEmpty(sources);
        Assert.All(sources, source => Assert.True(
            File.Exists(Path.Combine(Root, source)) || Directory.Exists(Path.Combine(Root, source)),
            $"silo.Dockerfile copies {source}, which does not exist"));
    }

    [Fact]
    public void The_dockerfile_copies_every_project_the_silo_depends_on()
    {
        var needed = RepositoryFiles.ProjectClosure("src/MedPay.Silo/MedPay.Silo.csproj");
        Assert.All(needed, project =>
        {
            Assert.Contains($"COPY {project} {Path.GetDirectoryName(project)!.Replace('\\', '/')}/", Dockerfile);
            Assert.Contains($"COPY {Path.GetDirectoryName(project)!.Replace('\\', '/')}/ ", Dockerfile);
        });
    }

    [Fact]
    public void The_image_runs_the_silo_as_a_non_root_user()
    {
        Assert.Contains("USER $APP_UID", Dockerfile);
        Assert.Contains("ENTRYPOINT [\"dotnet\", \"MedPay.Silo.dll\"]", Dockerfile);
    }

    [Fact]
    public void The_image_turns_cluster_TLS_on_and_publishes_no_cluster_port()
    {
        Assert.Contains("MedPay__Cluster__Tls__Enabled=true", Dockerfile);
        Assert.DoesNotContain("-p 11111", Dockerfile);
        Assert.DoesNotContain("-p 30000", Dockerfile);
    }

    [Fact]
    public void Every_base_image_is_pinned_to_an_exact_version()
    {
        var images = RepositoryFiles.FromLine().Matches(Dockerfile).Select(m => m.Groups["image"].Value).ToList();
        Assert.NotEmpty(images);
        Assert.All(images, image => Assert.Matches(@":\d+\.\d+\.\d+(-[a-z]+)?$", image));
    }

    [Fact]
    public void The_silo_runs_with_server_GC()
    {
        Assert.Contains("DOTNET_gcServer=1", Dockerfile);
    }

    [Fact]
    public void The_build_context_leaves_out_the_hosts_bin_and_obj()
    {
        // A host's obj/project.assets.json copied into the image breaks `publish --no-restore` (NETSDK1064).
        var ignored = File.ReadAllLines(Path.Combine(Root, ".dockerignore")).Select(l => l.Trim()).ToList();
        Assert.Contains("**/bin/", ignored);
        Assert.Contains("**/obj/", ignored);
    }
}
