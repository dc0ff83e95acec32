// Command pulumi-language-python is this project's Python language host for the Pulumi CLI.
//
// scripts/install-pulumi.sh builds it next to the `pulumi` binary when the CLI has to be built from
// Go modules: Pulumi's own host lives in a module of its own
// (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3) that the Go module proxy we can
// reach does not serve. This host implements the LanguageRuntime gRPC service on top of the same
// building blocks the CLI and upstream host use (sdk/v3's python/toolchain and policy proxy):
//
//   - Handshake, GetPluginInfo, Cancel
//   - GetRequiredPackages: Pulumi packages installed in the program's environment (pulumi-plugin.json);
//     the older GetRequiredPlugins is left Unimplemented, as upstream does
//   - Run: `python pulumi-language-python-exec ...` for `pulumi preview/up/destroy`
//   - RunPlugin: Python policy packs (`python -m pulumi.policy`, behind sdk/v3's PolicyProxy) and
//     Python plugins (`__main__.py`, or a buildable pyproject via `python -m pulumi.run.plugin`)
//   - InstallDependencies, About, GetProgramDependencies
//
// Code generation (`pulumi convert`, `pulumi import --generate-code`, `pulumi package gen-sdk`),
// templates and `pulumi package add/link` are not implemented and answer Unimplemented; a normal
// Pulumi installation has them.
//
// The executor script `pulumi-language-python-exec` (shipped in the sdk/v3 module) must sit next
// to this binary, or be named with -use-executor.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
)

const (
	executorName = "pulumi-language-python-exec"
	// pulumi-language-python-exec exits with this code after it has shown the user an actionable
	// error; the engine then stops without adding a message of its own.
	exitAfterUserMessage = 32
)

func main() {
	tracingAddr := flag.String("tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	showVersion := flag.Bool("version", false, "Print the plugin version and exit")
	executor := flag.String("use-executor", "", "Run programs with this executor instead of the one next to this binary")
	flag.Parse()

	if *showVersion {
		fmt.Println(version.Version)
		return
	}

	logging.InitLogging(false, 0, false)
	cmdutil.InitTracing("pulumi-language-python", "pulumi-language-python", *tracingAddr)

	if *executor == "" {
		self, err := os.Executable()
		if err != nil {
			cmdutil.Exit(fmt.Errorf("could not determine this executable's path: %w", err))
		}
		*executor = filepath.Join(filepath.Dir(self), executorName)
		if _, err := os.Stat(*executor); err != nil {
			cmdutil.Exit(fmt.Errorf("missing executor %s (it belongs next to this binary): %w", *executor, err))
		}
	}

	var engineAddress string
	if flag.NArg() > 0 {
		engineAddress = flag.Arg(0)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cancel := make(chan bool)
	go func() {
		<-ctx.Done()
		close(cancel)
	}()

	if engineAddress != "" {
		if err := rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, stop); err != nil {
			cmdutil.Exit(fmt.Errorf("could not start the engine health check: %w", err))
		}
	}

	h := newHost(*executor, engineAddress, *tracingAddr)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
		Options: rpcutil.TracingServerInterceptorOptions(nil),
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start the language host RPC server: %w", err))
	}

	// The CLI reads the port from our first line of output.
	fmt.Printf("%d\n", handle.Port)

	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host RPC server stopped: %w", err))
	}
}

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	executor string
	tracing  string

	mu     sync.Mutex
	engine string

	// stopCtx is cancelled by the Cancel RPC; running programs get SIGINT.
	stopCtx context.Context
	stop    context.CancelFunc
}

func newHost(executor, engine, tracing string) *host {
	ctx, cancel := context.WithCancel(context.Background())
	return &host{executor: executor, engine: engine, tracing: tracing, stopCtx: ctx, stop: cancel}
}

func (h *host) engineAddress() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engine
}

func (h *host) Handshake(
	ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	h.engine = req.GetEngineAddress()
	h.mu.Unlock()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (h *host) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.stop()
	return &emptypb.Empty{}, nil
}

// pythonOptions reads the `runtime.options` of Pulumi.yaml / PulumiPolicy.yaml / PulumiPlugin.yaml.
// Plugins (not programs or policy packs) default to a `venv` virtualenv, as upstream does.
func pythonOptions(info *pulumirpc.ProgramInfo, isPlugin bool) (toolchain.PythonOptions, error) {
	opts := toolchain.PythonOptions{Root: info.GetRootDirectory(), ProgramDir: info.GetProgramDirectory()}
	raw := info.GetOptions().AsMap()
	str := func(key string) (string, error) {
		v, ok := raw[key]
		if !ok {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("runtime option %q must be a string", key)
		}
		return s, nil
	}

	venv, err := str("virtualenv")
	if err != nil {
		return opts, err
	}
	opts.Virtualenv = venv

	tc, err := str("toolchain")
	if err != nil {
		return opts, err
	}
	switch tc {
	case "":
	case "pip":
		opts.Toolchain = toolchain.Pip
	case "poetry":
		opts.Toolchain = toolchain.Poetry
	case "uv":
		opts.Toolchain = toolchain.Uv
	default:
		return opts, fmt.Errorf("unsupported toolchain option %q (pip, poetry or uv)", tc)
	}

	checker, err := str("typechecker")
	if err != nil {
		return opts, err
	}
	switch checker {
	case "":
	case "mypy":
		opts.Typechecker = toolchain.TypeCheckerMypy
	case "pyright":
		opts.Typechecker = toolchain.TypeCheckerPyright
	default:
		return opts, fmt.Errorf("unsupported typechecker option %q (mypy or pyright)", checker)
	}

	if isPlugin && opts.Virtualenv == "" && (opts.Toolchain == toolchain.Pip || opts.Toolchain == toolchain.Auto) {
		opts.Virtualenv = "venv"
	}
	return opts, nil
}

func resolve(info *pulumirpc.ProgramInfo, isPlugin bool) (toolchain.PythonOptions, toolchain.Toolchain, error) {
	opts, err := pythonOptions(info, isPlugin)
	if err != nil {
		return opts, nil, err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	return opts, tc, err
}

// withEnv returns cmd's environment (the inherited one when cmd has none yet) plus extra.
func withEnv(cmd *exec.Cmd, extra ...string) []string {
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	return append(env, extra...)
}

// engineLog sends what is written to it to the engine as ephemeral log lines (shown while the CLI
// works, e.g. while a virtualenv is created).
type engineLog struct {
	ctx      context.Context
	client   pulumirpc.EngineClient
	stream   int32
	severity pulumirpc.LogSeverity
}

func (w *engineLog) Write(p []byte) (int, error) {
	_, err := w.client.Log(w.ctx, &pulumirpc.LogRequest{
		Message:   strings.ToValidUTF8(string(p), "\uFFFD"),
		Ephemeral: true,
		StreamId:  w.stream,
		Severity:  w.severity,
	})
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

func (h *host) engineWriters(ctx context.Context) (io.Writer, io.Writer, io.Closer, error) {
	addr := h.engineAddress()
	if addr == "" {
		return os.Stderr, os.Stderr, io.NopCloser(nil), nil
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		rpcutil.GrpcChannelOptions())
	if err != nil {
		return nil, nil, nil, fmt.Errorf("could not connect to the engine: %w", err)
	}
	client := pulumirpc.NewEngineClient(conn)
	stream := rand.Int31() //nolint:gosec // a stream id, not a secret
	return &engineLog{ctx, client, stream, pulumirpc.LogSeverity_INFO},
		&engineLog{ctx, client, stream, pulumirpc.LogSeverity_ERROR}, conn, nil
}

// listPackagesScript prints, for every distribution in the environment, its normalised name,
// version and the path of a pulumi-plugin.json in one of its top-level packages ("" if none).
const listPackagesScript = `import importlib.metadata as md, importlib.util, json, os, sys
out, seen = [], set()
for dist in md.distributions():
    name = (dist.metadata["Name"] or "").strip()
    if not name:
        continue
    key = name.lower().replace("_", "-").replace(".", "-")
    if key in seen:
        continue
    seen.add(key)
    found = ""
    for f in dist.files or []:
        if len(f.parts) == 2 and f.parts[1] == "pulumi-plugin.json":
            p = str(dist.locate_file(f))
            if os.path.isfile(p):
                found = p
                break
    if not found and key.startswith("pulumi"):
        try:
            spec = importlib.util.find_spec(key.replace("-", "_"))
            for loc in (spec.submodule_search_locations or []) if spec else []:
                p = os.path.join(str(loc), "pulumi-plugin.json")
                if os.path.isfile(p):
                    found = p
                    break
        except Exception:
            pass
    out.append({"name": key, "version": dist.version, "plugin": found})
json.dump(out, sys.stdout)
`

type pythonPackage struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Plugin  string `json:"plugin"`
}

// Packages named pulumi-* that have no plugin (and may not say so in a pulumi-plugin.json).
var noPlugin = map[string]bool{"pulumi-policy": true, "pulumi-esc-sdk": true}

func (h *host) GetRequiredPackages(
	ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	_, tc, err := resolve(req.GetInfo(), false)
	if err != nil {
		return nil, err
	}
	stdout, stderr, closer, err := h.engineWriters(ctx)
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	if err := tc.EnsureVenv(ctx, req.GetInfo().GetProgramDirectory(), false, true, stdout, stderr); err != nil {
		return nil, err
	}

	cmd, err := tc.Command(ctx, "-c", listPackagesScript)
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("listing the Python environment's packages: %w", err)
	}
	var pkgs []pythonPackage
	if err := json.Unmarshal(out, &pkgs); err != nil {
		return nil, fmt.Errorf("reading the Python environment's packages: %w", err)
	}

	resp := &pulumirpc.GetRequiredPackagesResponse{}
	for _, pkg := range pkgs {
		dep, err := packageDependency(pkg)
		if err != nil {
			return nil, err
		}
		if dep != nil {
			resp.Packages = append(resp.Packages, dep)
		}
	}
	return resp, nil
}

// packageDependency turns an installed Python package into the provider plugin it needs, or nil.
func packageDependency(pkg pythonPackage) (*pulumirpc.PackageDependency, error) {
	var meta *plugin.PulumiPluginJSON
	if pkg.Plugin != "" {
		data, err := os.ReadFile(pkg.Plugin)
		if err != nil {
			return nil, err
		}
		meta = &plugin.PulumiPluginJSON{}
		if err := json.Unmarshal(data, meta); err != nil {
			return nil, fmt.Errorf("%s: %w", pkg.Plugin, err)
		}
	} else if !strings.HasPrefix(pkg.Name, "pulumi-") || noPlugin[pkg.Name] {
		return nil, nil
	}

	dep := &pulumirpc.PackageDependency{Kind: "resource"}
	if meta != nil {
		if !meta.Resource {
			return nil, nil
		}
		dep.Name, dep.Version, dep.Server = meta.Name, meta.Version, meta.Server
		if p := meta.Parameterization; p != nil {
			dep.Parameterization = &pulumirpc.PackageParameterization{Name: p.Name, Version: p.Version, Value: p.Value}
		}
		if p := meta.ExtensionParameterization; p != nil {
			dep.Extension = &pulumirpc.PackageParameterization{Name: p.Name, Version: p.Version, Value: p.Value}
		}
	}
	if dep.Name == "" {
		dep.Name = strings.TrimPrefix(pkg.Name, "pulumi-")
	}
	if dep.Version == "" {
		v, ok := semverFromPEP440(pkg.Version)
		if !ok {
			logging.V(5).Infof("skipping %s: no plugin version can be derived from %q", pkg.Name, pkg.Version)
			return nil, nil
		}
		dep.Version = v
	}
	if !strings.HasPrefix(dep.Version, "v") {
		dep.Version = "v" + dep.Version
	}
	return dep, nil
}

var pep440 = regexp.MustCompile(`^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:(a|b|rc)(\d+))?(?:\.post(\d+))?(?:\.dev(\d+))?$`)

// semverFromPEP440 maps the common PEP 440 release forms onto the plugin's semver:
// 1.2 -> 1.2.0, 1.2.3a4 -> 1.2.3-alpha.4, 1.2.3rc1 -> 1.2.3-rc.1, 1.2.3.post4.dev5 -> 1.2.3+post4dev5.
func semverFromPEP440(v string) (string, bool) {
	m := pep440.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return "", false
	}
	seg := func(s string) string {
		if s == "" {
			return "0"
		}
		return s
	}
	out := seg(m[1]) + "." + seg(m[2]) + "." + seg(m[3])
	if m[4] != "" {
		out += "-" + map[string]string{"a": "alpha", "b": "beta", "rc": "rc"}[m[4]] + "." + m[5]
	}
	var build string
	if m[6] != "" {
		build += "post" + m[6]
	}
	if m[7] != "" {
		build += "dev" + m[7]
	}
	if build != "" {
		out += "+" + build
	}
	return out, true
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if h.engineAddress() == "" {
		return nil, errors.New("no engine address: the CLI must pass one or call Handshake before Run")
	}
	opts, tc, err := resolve(req.GetInfo(), false)
	if err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return nil, err
	}
	if err := typecheck(ctx, tc, opts); err != nil {
		return nil, err
	}

	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, fmt.Errorf("serialising the configuration: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("serialising the secret configuration keys: %w", err)
	}

	// Stop the program when the CLI cancels (Cancel RPC) or the request goes away.
	runCtx, cancelRun := context.WithCancel(h.stopCtx)
	defer cancelRun()
	context.AfterFunc(ctx, cancelRun)

	cmd, err := tc.Command(runCtx, append([]string{h.executor}, h.executorArgs(req)...)...)
	if err != nil {
		return nil, err
	}
	if cmd.Cancel != nil { // only commands made with a context may have one
		// SIGTERM, not SIGINT: Python turns SIGINT into KeyboardInterrupt tracebacks that the
		// engine would print under the stack after, say, a mandatory policy violation, while
		// SIGTERM's default action ends the program quietly (the engine has already reported).
		cmd.Cancel = func() error {
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				return cmd.Process.Kill()
			}
			return nil
		}
		cmd.WaitDelay = 5 * time.Second
	}
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	env := []string{"PULUMI_CONFIG_SECRET_KEYS=" + string(secretKeysJSON)}
	if req.GetConfig() != nil {
		env = append(env, "PULUMI_CONFIG="+string(config))
	}
	cmd.Env = withEnv(cmd, env...)

	logging.V(5).Infof("running %v", cmd.Args)
	err = cmd.Run()
	// Python may die before it flushes; make sure the engine sees what it printed.
	_ = os.Stdout.Sync()
	_ = os.Stderr.Sync()
	if err == nil {
		return &pulumirpc.RunResponse{}, nil
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		if code := exitErr.ExitCode(); code == exitAfterUserMessage {
			return &pulumirpc.RunResponse{Bail: true}, nil
		} else if code > 0 {
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited with non-zero exit code: %d", code)}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited unexpectedly: %v", exitErr)}, nil
	}
	return &pulumirpc.RunResponse{
		Error: fmt.Sprintf("problem executing program (could not run language executor): %v", err),
	}, nil
}

// executorArgs is the command line of pulumi-language-python-exec (its argparse flags).
func (h *host) executorArgs(req *pulumirpc.RunRequest) []string {
	var args []string
	add := func(flag, value string) {
		if value != "" {
			args = append(args, "--"+flag, value)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engineAddress())
	add("project", req.GetProject())
	add("root_directory", req.GetInfo().GetRootDirectory())
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	add("dry_run", strconv.FormatBool(req.GetDryRun()))
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("tracing", h.tracing)
	add("organization", req.GetOrganization())
	entry := req.GetInfo().GetEntryPoint()
	if entry == "" {
		entry = "."
	}
	args = append(args, entry)
	return append(args, req.GetArgs()...)
}

// typecheck runs mypy or pyright over the program first when Pulumi.yaml asks for it.
func typecheck(ctx context.Context, tc toolchain.Toolchain, opts toolchain.PythonOptions) error {
	var module string
	switch opts.Typechecker {
	case toolchain.TypeCheckerMypy:
		module = "mypy"
	case toolchain.TypeCheckerPyright:
		module = "pyright"
	default:
		return nil
	}
	args := []string{}
	if module == "mypy" {
		if venv, err := tc.VirtualEnvPath(ctx); err == nil && venv != "" {
			if rel, err := filepath.Rel(opts.ProgramDir, venv); err == nil {
				args = append(args, "--exclude", rel)
			}
		}
	}
	cmd, err := tc.ModuleCommand(ctx, module, append(args, opts.ProgramDir)...)
	if err != nil {
		return err
	}
	cmd.Dir = opts.ProgramDir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s failed (is it installed in the program's environment?): %w\n%s", module, err, out)
	}
	return nil
}

func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	ctx := server.Context()
	_, tc, err := resolve(req.GetInfo(), req.GetIsPlugin())
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()

	dir := req.GetInfo().GetProgramDirectory()
	fmt.Fprint(stdout, "Installing dependencies...\n\n")
	if req.GetIsPlugin() {
		// A plugin that is a buildable package is installed into its own environment too.
		buildable, err := toolchain.IsBuildablePackage(dir)
		if err != nil {
			return fmt.Errorf("checking whether the plugin is a buildable package: %w", err)
		}
		if buildable {
			if err := tc.EnsureVenv(ctx, dir, req.GetUseLanguageVersionTools(), true, stdout, stderr); err != nil {
				return fmt.Errorf("creating the virtual environment: %w", err)
			}
			cmd, err := tc.ModuleCommand(ctx, "pip", "install", dir)
			if err != nil {
				return err
			}
			cmd.Stdout, cmd.Stderr = stdout, stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("installing the plugin package: %w", err)
			}
		}
	}
	if err := tc.InstallDependencies(ctx, dir, req.GetUseLanguageVersionTools(), true, stdout, stderr); err != nil {
		return err
	}
	fmt.Fprint(stdout, "Finished installing dependencies\n\n")
	return closer.Close()
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	opts := toolchain.PythonOptions{Toolchain: toolchain.Pip}
	if req.GetInfo() != nil {
		var err error
		if opts, err = pythonOptions(req.GetInfo(), false); err != nil {
			return nil, err
		}
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	info, err := tc.About(ctx)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{
		Executable: info.PythonExecutable,
		Version:    info.PythonVersion.String(),
		Metadata: map[string]string{
			"toolchain":        toolchain.Name(opts.Toolchain),
			"toolchainVersion": info.ToolchainVersion.String(),
			"typechecker":      toolchain.TypeCheckerName(opts.Typechecker),
		},
	}, nil
}

func (h *host) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	_, tc, err := resolve(req.GetInfo(), false)
	if err != nil {
		return nil, err
	}
	pkgs, err := tc.ListPackages(ctx, req.GetTransitiveDependencies())
	if err != nil {
		return nil, fmt.Errorf("listing the Python dependencies: %w", err)
	}
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	for _, p := range pkgs {
		resp.Dependencies = append(resp.Dependencies, &pulumirpc.DependencyInfo{Name: p.Name, Version: p.Version})
	}
	return resp, nil
}

// RunPlugin runs a Python policy pack (kind "analyzer") or another Python plugin.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx := server.Context()
	isPolicyPack := req.GetKind() == string(apitype.AnalyzerPlugin)
	opts, tc, err := resolve(req.GetInfo(), !isPolicyPack)
	if err != nil {
		return err
	}
	programDir := req.GetInfo().GetProgramDirectory()

	var cmd *exec.Cmd
	switch {
	case isPolicyPack:
		// Policy packs start through pulumi.policy with the pack's directory last, and run in it.
		args := append([]string{"-u", "-m", "pulumi.policy"}, req.GetArgs()...)
		cmd, err = tc.Command(ctx, append(args, programDir)...)
		if err == nil {
			cmd.Dir = programDir
		}
	case fileExists(filepath.Join(opts.Root, "__main__.py")):
		cmd, err = tc.Command(ctx, append([]string{programDir}, req.GetArgs()...)...)
	default:
		// A plugin without __main__.py must be a buildable package run by pulumi.run.plugin.
		buildable, berr := toolchain.IsBuildablePackage(opts.Root)
		if berr != nil {
			return fmt.Errorf("checking whether the plugin is a buildable package: %w", berr)
		}
		if !buildable {
			return errors.New("plugin is not runnable: it has neither __main__.py nor a buildable pyproject.toml")
		}
		pyproject, perr := toolchain.LoadPyproject(opts.Root)
		if perr != nil {
			return fmt.Errorf("loading pyproject.toml: %w", perr)
		}
		cmd, err = tc.ModuleCommand(ctx, "pulumi.run.plugin", append([]string{pyproject.Project.Name}, req.GetArgs()...)...)
	}
	if err != nil {
		return err
	}
	if !isPolicyPack {
		cmd.Dir = req.GetPwd()
	}

	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	var env []string
	var proxy *sdk.PolicyProxy
	if isPolicyPack {
		// The CLI talks to a proxy that answers the handshake and receives the stack configuration;
		// the pack then starts with that configuration in its environment and the proxy forwards to it.
		proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return fmt.Errorf("starting the policy pack proxy: %w", err)
		}
		config, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return fmt.Errorf("waiting for the stack configuration: %w", err)
		}
		if config != nil {
			add := func(k, v string) {
				if v != "" {
					env = append(env, k+"="+v)
				}
			}
			add("PULUMI_ORGANIZATION", config.GetOrganization())
			add("PULUMI_PROJECT", config.GetProject())
			add("PULUMI_STACK", config.GetStack())
			add("PULUMI_DRY_RUN", strconv.FormatBool(config.GetDryRun()))
			if config.GetConfig() != nil {
				data, err := json.Marshal(config.GetConfig())
				if err != nil {
					return fmt.Errorf("serialising the stack configuration: %w", err)
				}
				add("PULUMI_CONFIG", string(data))
			}
		}
	}
	cmd.Env = withEnv(cmd, append(env, req.GetEnv()...)...)
	cmd.Stdout, cmd.Stderr = stdout, stderr

	if proxy != nil {
		if err = cmd.Start(); err == nil {
			err = proxy.Attach(ctx, cmd)
		}
	} else {
		err = cmd.Run()
	}
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if status, ok := exitErr.Sys().(syscall.WaitStatus); ok {
				return server.Send(&pulumirpc.RunPluginResponse{
					Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(status.ExitStatus())}, //nolint:gosec
				})
			}
			return fmt.Errorf("plugin exited unexpectedly: %w", exitErr)
		}
		return fmt.Errorf("could not run the plugin: %w", err)
	}
	return closer.Close()
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}
