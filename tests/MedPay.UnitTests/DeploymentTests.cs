using System.Text.RegularExpressions;
using MedPay.Silo;
using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using YamlDotNet.RepresentationModel;

namespace MedPay.UnitTests;

/// <summary>
/// No Docker engine or Kubernetes runs here, so these keep the images, the compose file and the Kubernetes manifests
/// in step with the code: every file parses, every path exists, and names, ports, probes and settings agree.
/// </summary>
public sealed partial class DeploymentTests
{
    private static readonly string Root = RepositoryFiles.Root;

    /// <summary>Each image: its Dockerfile, the project it publishes, and the path its HEALTHCHECK asks.</summary>
    public static TheoryData<string, string, string> Images => new()
    {
        { "silo.Dockerfile", "src/MedPay.Silo/MedPay.Silo.csproj", SiloHttp.ReadyPath },
        { "src/deploy/api.Dockerfile", "src/MedPay.Api/MedPay.Api.csproj", "/health/live" },
        { "src/deploy/sandbox.Dockerfile", "src/MedPay.Sandbox/MedPay.Sandbox.csproj", "/health" },
    };

    [Theory]
    [MemberData(nameof(Images))]
    public void An_image_copies_only_what_exists_and_every_project_it_builds(string dockerfile, string project, string _)
    {
        var text = RepositoryFiles.Read(dockerfile);
        var sources = RepositoryFiles.CopyLine().Matches(text).SelectMany(m => m.Groups["sources"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.NotEmpty(sources);
        Assert.All(sources, source => Assert.True(
            File.Exists(Path.Combine(Root, source)) || Directory.Exists(Path.Combine(Root, source)), $"{dockerfile} copies {source}, which does not exist"));
        Assert.All(RepositoryFiles.ProjectClosure(project), needed =>
        {
            var directory = Path.GetDirectoryName(needed)!.Replace('\\', '/');
            Assert.Contains($"COPY {needed} {directory}/", text);
            Assert.Contains($"COPY {directory}/ {directory}/", text);
        });
        Assert.Contains($"RUN dotnet publish {project} -c Release --no-restore -o /app", text);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void An_image_pins_its_bases_runs_as_non_root_and_checks_its_own_health(string dockerfile, string project, string healthPath)
    {
        var text = RepositoryFiles.Read(dockerfile);
        var images = RepositoryFiles.FromLine().Matches(text).Select(m => m.Groups["image"].Value).ToList();
        Assert.Contains("mcr.microsoft.com/dotnet/aspnet:10.0.12", images);
        Assert.All(images, image => Assert.Matches(@":\d+\.\d+\.\d+(-[a-z]+)?$", image));
        Assert.Contains("USER $APP_UID", text);
        Assert.Contains($"ENTRYPOINT [\"dotnet\", \"{Path.GetFileNameWithoutExtension(project)}.dll\"]", text);

        var check = HealthCheckLine().Match(text);
        Assert.True(check.Success, $"{dockerfile} has no HEALTHCHECK asking http://127.0.0.1:PORT/PATH");
        Assert.Equal(healthPath, check.Groups["path"].Value);
        Assert.Contains($"EXPOSE", text);
        Assert.Contains(check.Groups["port"].Value, Regex.Match(text, "^EXPOSE (.+)$", RegexOptions.Multiline).Groups[1].Value.Split(' '));
        Assert.Contains("COPY --from=probe /bin/wget /usr/local/bin/wget", text);
        // The path is one the program serves.
        Assert.Contains(healthPath, MappedPaths(project));
    }

    [Fact]
    public void The_silo_image_serves_its_health_on_the_port_the_manifests_probe()
    {
        var text = RepositoryFiles.Read("silo.Dockerfile");
        Assert.Contains($"MedPay__Silo__HttpPort={SiloHttp.ContainerPort}", text);
        Assert.Contains($"EXPOSE {EndpointOptions.DEFAULT_SILO_PORT} {EndpointOptions.DEFAULT_GATEWAY_PORT} {SiloHttp.ContainerPort}", text);
        Assert.Contains("DOTNET_gcServer=1", RepositoryFiles.Read("src/deploy/api.Dockerfile"));
        // The API binds MedPayApi.DefaultUrl (loopback) unless urls or ASPNETCORE_URLS is set: ASPNETCORE_HTTP_PORTS is not enough.
        Assert.Contains("ASPNETCORE_URLS=http://+:8080", RepositoryFiles.Read("src/deploy/api.Dockerfile"));
        Assert.StartsWith("http://127.0.0.1:", MedPay.Api.MedPayApi.DefaultUrl, StringComparison.Ordinal);
    }

    [Fact]
    public void The_compose_file_runs_azurite_the_sandbox_three_silos_and_the_api_and_publishes_only_the_api()
    {
        var compose = Yaml("src/deploy/compose.yaml").Single();
        var services = Map(compose, "services");
        Assert.Equal(["api", "azurite", "sandbox", "silo"], services.Children.Keys.Select(k => k.ToString()).Order());
        Assert.Equal("mcr.microsoft.com/azure-storage/azurite:3.37.0", Scalar(services, "azurite", "image"));

        foreach (var (name, dockerfile) in new[] { ("silo", "silo.Dockerfile"), ("api", "src/deploy/api.Dockerfile"), ("sandbox", "src/deploy/sandbox.Dockerfile") })
        {
            Assert.Equal("../..", Scalar(services, name, "build", "context"));
            Assert.Equal(dockerfile, Scalar(services, name, "build", "dockerfile"));
        }

        Assert.Equal("3", Scalar(services, "silo", "deploy", "replicas"));
        Assert.False(Map(services, "silo").Children.ContainsKey("ports"), "the silo and gateway ports are never published");
        Assert.False(Map(services, "sandbox").Children.ContainsKey("ports"));
        Assert.Equal(["127.0.0.1:8080:8080"], Sequence(services, "api", "ports").Select(p => p.ToString()));

        var silo = Environment(services, "silo");
        Assert.Equal(SiloHttp.ContainerPort.ToString(), silo["MedPay__Silo__HttpPort"]);
        Assert.Equal("http://sandbox:8080/", silo["MedPay__Platform__BaseAddress"]);
        Assert.Equal("AzureTable", silo["MedPay__Clustering__Provider"]);
        var api = Environment(services, "api");
        foreach (var shared in new[] { "MedPay__Clustering__ServiceId", "MedPay__Clustering__ClusterId", "MedPay__Storage__ConnectionString", "MedPay__Cluster__Tls__CertificatePath" })
        {
            Assert.Equal(silo[shared], api[shared]);
        }

        Assert.Contains("TableEndpoint=http://azurite:10002/", silo["MedPay__Storage__ConnectionString"]);
        Assert.All(silo.Keys.Concat(api.Keys), AssertKnownSetting);

        // The certificate files are the operator's, kept out of the repository.
        Assert.Contains("src/deploy/secrets/", File.ReadAllLines(Path.Combine(Root, ".gitignore")));
        foreach (var secret in Map(compose, "secrets").Children.Values.Cast<YamlMappingNode>())
        {
            Assert.StartsWith("./secrets/", secret.Children[new YamlScalarNode("file")].ToString());
        }
    }

    [Fact]
    public void Every_kubernetes_manifest_parses_and_lives_in_the_medpay_namespace()
    {
        var documents = KubernetesDocuments();
        Assert.Contains(documents, d => Kind(d) == "Namespace" && Scalar(d, "metadata", "name") == "medpay");
        Assert.All(documents.Where(d => Kind(d) != "Namespace"), d =>
        {
            Assert.False(string.IsNullOrEmpty(Scalar(d, "apiVersion")));
            Assert.False(string.IsNullOrEmpty(Scalar(d, "metadata", "name")));
            Assert.Equal("medpay", Scalar(d, "metadata", "namespace"));
        });
        Assert.Equal(
            ["ConfigMap", "Deployment", "Deployment", "Namespace", "PodDisruptionBudget", "Role", "RoleBinding", "Service", "ServiceAccount"],
            documents.Select(Kind).Order());
    }

    [Fact]
    public void The_silo_deployment_agrees_with_the_code_on_ports_probes_labels_and_the_advertised_address()
    {
        var documents = KubernetesDocuments();
        var deployment = Named(documents, "Deployment", "medpay-silo");
        var pod = Map(deployment, "spec", "template");
        var container = Containers(pod).Single();
        var ports = ContainerPorts(container);
        Assert.Equal(EndpointOptions.DEFAULT_SILO_PORT, ports["silo"]);
        Assert.Equal(EndpointOptions.DEFAULT_GATEWAY_PORT, ports["gateway"]);
        Assert.Equal(SiloHttp.ContainerPort, ports["http"]);

        Assert.Equal(SiloHttp.LivePath, Scalar(container, "livenessProbe", "httpGet", "path"));
        Assert.Equal(SiloHttp.ReadyPath, Scalar(container, "readinessProbe", "httpGet", "path"));
        foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
        {
            Assert.Contains(Scalar(container, probe, "httpGet", "port"), ports.Keys);
        }

        var env = Sequence(container, "env").Cast<YamlMappingNode>().ToDictionary(e => Scalar(e, "name"));
        Assert.Equal(SiloHttp.ContainerPort.ToString(), Scalar(env["MedPay__Silo__HttpPort"], "value"));
        Assert.Equal("true", Scalar(env["MedPay__Clustering__Kubernetes"], "value"));
        Assert.Equal("status.podIP", Scalar(env["MedPay__Clustering__AdvertisedIP"], "valueFrom", "fieldRef", "fieldPath"));
        Assert.Equal("status.podIP", Scalar(env["POD_IP"], "valueFrom", "fieldRef", "fieldPath"));
        Assert.Equal("metadata.name", Scalar(env["POD_NAME"], "valueFrom", "fieldRef", "fieldPath"));
        Assert.Equal("metadata.namespace", Scalar(env["POD_NAMESPACE"], "valueFrom", "fieldRef", "fieldPath"));
        Assert.Equal("metadata.labels['orleans/serviceId']", Scalar(env["ORLEANS_SERVICE_ID"], "valueFrom", "fieldRef", "fieldPath"));
        Assert.Equal("metadata.labels['orleans/clusterId']", Scalar(env["ORLEANS_CLUSTER_ID"], "valueFrom", "fieldRef", "fieldPath"));
        Assert.All(env.Keys.Where(k => k.StartsWith("MedPay__", StringComparison.Ordinal)), AssertKnownSetting);

        // The ids Orleans takes from the labels are the ones the configuration (and so the API) names.
        var labels = Map(pod, "metadata", "labels");
        var config = Map(Named(documents, "ConfigMap", "medpay-config"), "data");
        Assert.Equal(Scalar(config, "MedPay__Clustering__ServiceId"), Scalar(labels, "orleans/serviceId"));
        Assert.Equal(Scalar(config, "MedPay__Clustering__ClusterId"), Scalar(labels, "orleans/clusterId"));
        Assert.All(config.Children.Keys.Select(k => k.ToString()), AssertKnownSetting);
        Assert.Equal("3", Scalar(deployment, "spec", "replicas"));
        Assert.True(int.Parse(Scalar(pod, "spec", "terminationGracePeriodSeconds")) > 30, "the grace period outlasts the silo's 30 s shutdown timeout");

        // Its TLS volume is the secret the configuration points at.
        var mount = Sequence(container, "volumeMounts").Cast<YamlMappingNode>().Single();
        Assert.StartsWith(Scalar(mount, "mountPath") + "/", Scalar(config, "MedPay__Cluster__Tls__CertificatePath"));
    }

    [Fact]
    public void The_silos_may_read_and_delete_their_pods_and_a_disruption_takes_one_at_a_time()
    {
        var documents = KubernetesDocuments();
        var pod = Map(Named(documents, "Deployment", "medpay-silo"), "spec", "template");
        var account = Scalar(pod, "spec", "serviceAccountName");
        Assert.Equal(account, Scalar(Named(documents, "ServiceAccount", account), "metadata", "name"));

        var binding = Named(documents, "RoleBinding", "medpay-silo");
        var subject = Sequence(binding, "subjects").Cast<YamlMappingNode>().Single();
        Assert.Equal(("ServiceAccount", account), (Scalar(subject, "kind"), Scalar(subject, "name")));
        var role = Named(documents, "Role", Scalar(binding, "roleRef", "name"));
        var rule = Sequence(role, "rules").Cast<YamlMappingNode>().Single();
        Assert.Equal(["pods"], Sequence(rule, "resources").Select(r => r.ToString()));
        Assert.Superset(new HashSet<string> { "get", "list", "watch", "delete" }, Sequence(rule, "verbs").Select(v => v.ToString()).ToHashSet());

        var budget = Named(documents, "PodDisruptionBudget", "medpay-silo");
        var labels = Map(pod, "metadata", "labels");
        Assert.All(Map(budget, "spec", "selector", "matchLabels").Children, l => Assert.Equal(l.Value.ToString(), Scalar(labels, l.Key.ToString())));
        Assert.Equal("1", Scalar(budget, "spec", "maxUnavailable"));
    }

    [Fact]
    public void The_api_deployment_probes_its_health_and_its_service_reaches_it()
    {
        var documents = KubernetesDocuments();
        var deployment = Named(documents, "Deployment", "medpay-api");
        var pod = Map(deployment, "spec", "template");
        var container = Containers(pod).Single();
        var ports = ContainerPorts(container);
        Assert.Equal(8080, ports["http"]);
        var served = MappedPaths("src/MedPay.Api/MedPay.Api.csproj");
        foreach (var probe in new[] { "livenessProbe", "readinessProbe" })
        {
            Assert.Contains(Scalar(container, probe, "httpGet", "path"), served);
            Assert.Contains(Scalar(container, probe, "httpGet", "port"), ports.Keys);
        }

        var service = Named(documents, "Service", "medpay-api");
        var labels = Map(pod, "metadata", "labels");
        Assert.All(Map(service, "spec", "selector").Children, l => Assert.Equal(l.Value.ToString(), Scalar(labels, l.Key.ToString())));
        Assert.All(Sequence(service, "spec", "ports").Cast<YamlMappingNode>(), p => Assert.Contains(Scalar(p, "targetPort"), ports.Keys));
    }

    [Fact]
    public void Behind_the_ingress_the_api_trusts_forwarded_headers_from_the_ingress_network_and_in_compose_from_no_one()
    {
        var config = Map(Named(KubernetesDocuments(), "ConfigMap", "medpay-config"), "data");
        var forwarded = config.Children
            .Where(c => c.Key.ToString().StartsWith("MedPay__ForwardedHeaders__", StringComparison.Ordinal))
            .ToDictionary(c => c.Key.ToString().Replace("__", ":", StringComparison.Ordinal), c => (string?)c.Value.ToString());
        var options = new ConfigurationBuilder().AddInMemoryCollection(forwarded).Build()
            .GetSection(MedPay.Api.TrustedProxyOptions.Section).Get<MedPay.Api.TrustedProxyOptions>() ?? new();
        Assert.True(options.Enabled, "the ConfigMap names no trusted proxy network: behind the ingress every client would share one address, and HSTS would never be sent");
        var validation = new MedPay.Api.TrustedProxyOptionsValidator().Validate(null, options);
        Assert.True(validation.Succeeded, validation.FailureMessage);

        // Compose publishes the API itself, with no proxy in front: a forwarded header there is the client's own claim.
        var api = Environment(Map(Yaml("src/deploy/compose.yaml").Single(), "services"), "api");
        Assert.DoesNotContain(api.Keys, k => k.StartsWith("MedPay__ForwardedHeaders__", StringComparison.Ordinal));
    }

    /// <summary>
    /// A setting the environment sets (MedPay__A__B) is one the code reads: its last name appears in the sources. An
    /// entry of a list (MedPay__A__B__0) is its list's.
    /// </summary>
    private static void AssertKnownSetting(string key)
    {
        if (!key.StartsWith("MedPay__", StringComparison.Ordinal))
        {
            return;
        }

        var names = key.Split("__");
        if (names[^1].All(char.IsAsciiDigit))
        {
            names = names[..^1];
        }

        var last = names[^1];
        Assert.True(Sources.Value.Contains(last, StringComparison.Ordinal), $"{key}: no code reads a setting named {last}");
        var section = string.Join(':', names[..^1]);
        Assert.True(
            Sources.Value.Contains($"\"{section}", StringComparison.Ordinal) || Sources.Value.Contains(section.Split(':')[^1], StringComparison.Ordinal),
            $"{key}: no code reads the section {section}");
    }

    private static readonly Lazy<string> Sources = new(() => string.Join('\n',
        Directory.EnumerateFiles(Path.Combine(Root, "src"), "*.*", SearchOption.AllDirectories)
            .Where(f => (f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith("settings.json", StringComparison.Ordinal))
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText)));

    /// <summary>The literal paths a project's code maps (MapGet, MapHealthChecks, constants).</summary>
    private static string MappedPaths(string project)
    {
        var directory = Path.Combine(Root, Path.GetDirectoryName(project)!);
        var text = string.Join('\n', Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText));
        return string.Join('\n', MapCall().Matches(text).Select(m => m.Groups["path"].Value));
    }

    private static List<YamlMappingNode> KubernetesDocuments()
    {
        var files = Directory.GetFiles(Path.Combine(Root, "src/deploy/k8s"), "*.yaml");
        Assert.NotEmpty(files);
        return files.SelectMany(f => Yaml(Path.GetRelativePath(Root, f))).ToList();
    }

    private static List<YamlMappingNode> Yaml(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(RepositoryFiles.Read(path)))
        {
            stream.Load(reader);
        }

        return stream.Documents.Select(d => Assert.IsType<YamlMappingNode>(d.RootNode)).ToList();
    }

    private static string Kind(YamlMappingNode document) => Scalar(document, "kind");

    private static YamlMappingNode Named(IEnumerable<YamlMappingNode> documents, string kind, string name) =>
        Assert.Single(documents, d => Kind(d) == kind && Scalar(d, "metadata", "name") == name);

    private static IEnumerable<YamlMappingNode> Containers(YamlMappingNode pod) => Sequence(pod, "spec", "containers").Cast<YamlMappingNode>();

    private static Dictionary<string, int> ContainerPorts(YamlMappingNode container) =>
        Sequence(container, "ports").Cast<YamlMappingNode>().ToDictionary(p => Scalar(p, "name"), p => int.Parse(Scalar(p, "containerPort")));

    private static Dictionary<string, string> Environment(YamlMappingNode services, string service) =>
        Map(services, service, "environment").AllNodes.OfType<YamlMappingNode>()
            .SelectMany(m => m.Children)
            .Where(c => c.Key is YamlScalarNode k && k.Value != "<<" && c.Value is YamlScalarNode)
            .GroupBy(c => c.Key.ToString())
            .ToDictionary(g => g.Key, g => g.Last().Value.ToString());

    private static YamlNode Node(YamlNode node, params string[] path)
    {
        foreach (var name in path)
        {
            var map = Assert.IsType<YamlMappingNode>(node);
            Assert.True(map.Children.TryGetValue(new YamlScalarNode(name), out var child), $"no {name} in {string.Join('.', path)}");
            node = child;
        }

        return node;
    }

    private static YamlMappingNode Map(YamlNode node, params string[] path) => Assert.IsType<YamlMappingNode>(Node(node, path));

    private static IEnumerable<YamlNode> Sequence(YamlNode node, params string[] path) => Assert.IsType<YamlSequenceNode>(Node(node, path)).Children;

    private static string Scalar(YamlNode node, params string[] path) => Assert.IsType<YamlScalarNode>(Node(node, path)).Value ?? "";

    [GeneratedRegex(@"^HEALTHCHECK .*""http://127\.0\.0\.1:(?<port>\d+)(?<path>/[^""]*)""\]$", RegexOptions.Multiline)]
    private static partial Regex HealthCheckLine();

    [GeneratedRegex(@"(?:Map\w*\(|const string \w+ = )""(?<path>/[^""]*)""")]
    private static partial Regex MapCall();
}
