package streamer

import (
	"os"
	"strings"

	"github.com/theory-cloud/apptheory/generated/go/internal/pytext"
)

// ManagementEndpointEnv overrides the derived management endpoint (e.g. for a local gateway).
const ManagementEndpointEnv = "APPTHEORY_WS_MANAGEMENT_ENDPOINT"

// DeriveInput holds what the management endpoint and region are derived from.
type DeriveInput struct {
	Override   string
	DomainName string
	Stage      string
	APIID      string
	Path       string
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
}

func (in DeriveInput) env(name string) string {
	if in.Getenv == nil {
		return os.Getenv(name)
	}
	return in.Getenv(name)
}

// ExecuteAPIRegion is the region of an `{api}.execute-api.{region}.amazonaws.com[.cn]` host, or "".
func ExecuteAPIRegion(host string) string {
	if !strings.Contains(host, ".execute-api.") {
		return ""
	}
	labels := strings.Split(host, ".")
	if labels[len(labels)-1] == "cn" {
		labels = labels[:len(labels)-1]
	}
	if len(labels) == 5 && labels[1] == "execute-api" && labels[3] == "amazonaws" && labels[4] == "com" &&
		pytext.IsAlnum(labels[0]) && pytext.IsAlnum(strings.ReplaceAll(labels[2], "-", "")) {
		return labels[2]
	}
	return ""
}

// DeriveRegion is the region of an execute-api host, else AWS_REGION, else AWS_DEFAULT_REGION, else "".
func DeriveRegion(in DeriveInput) string {
	if region := ExecuteAPIRegion(pytext.Strip(in.DomainName)); region != "" {
		return region
	}
	if region := pytext.Strip(in.env("AWS_REGION")); region != "" {
		return region
	}
	return pytext.Strip(in.env("AWS_DEFAULT_REGION"))
}

// DeriveManagementEndpoint is the management API URL: the explicit override, the environment
// override, https://{domain}/{stage} for an execute-api host, the execute-api URL from the API id
// and a known region for a custom domain, else https://{domain} plus the event path's base path.
func DeriveManagementEndpoint(in DeriveInput) string {
	explicit := pytext.Strip(in.Override)
	if explicit == "" {
		explicit = pytext.Strip(in.env(ManagementEndpointEnv))
	}
	if explicit != "" {
		return strings.TrimRight(explicit, "/")
	}
	domain := pytext.Strip(in.DomainName)
	if domain == "" {
		return ""
	}
	stagePart := ""
	if stage := pytext.Strip(in.Stage); stage != "" {
		stagePart = "/" + stage
	}
	if ExecuteAPIRegion(domain) != "" {
		return "https://" + domain + stagePart
	}
	knownRegion := DeriveRegion(DeriveInput{DomainName: domain, Getenv: in.Getenv})
	if apiID := pytext.Strip(in.APIID); apiID != "" && knownRegion != "" {
		return "https://" + apiID + ".execute-api." + knownRegion + ".amazonaws.com" + stagePart
	}
	if basePath := strings.Trim(pytext.Strip(in.Path), "/"); basePath != "" {
		return "https://" + domain + "/" + basePath
	}
	return "https://" + domain
}
