package doctor

import (
	"errors"
	"io/fs"

	"github.com/vrrpkit/vrrpkit/keepalived"
)

// The checks read keepalived.conf through package keepalived, which reads
// it as keepalived 2.2 does; these names keep the checks short.
type (
	// KeepalivedConfig is the configuration keepalived would run.
	KeepalivedConfig = keepalived.Config
	// KeepalivedInstance is a vrrp_instance as keepalived runs it.
	KeepalivedInstance = keepalived.Instance
	// Pos is a line of a configuration file.
	Pos = keepalived.Pos
)

// Node is one node's keepalived.conf: vrrpdoctor --config NAME=FILE. Name
// is also the config id its "@id" lines are read with.
type Node struct {
	Name string
	Path string // absolute
}

// ErrNoConfig says there is no keepalived.conf to read.
var ErrNoConfig = errors.New("no keepalived configuration")

// Keepalived returns this host's keepalived.conf as keepalived reads it
// (cached): the first of Nodes, else ConfigPath, else
// /etc/keepalived/keepalived.conf. Without one it returns a
// NotApplicableError.
func (e *Env) Keepalived() (*KeepalivedConfig, error) {
	if !e.kaDone {
		e.kaDone = true
		n := Node{Name: e.ConfigID, Path: e.ConfigPath}
		if len(e.Nodes) > 0 {
			n = e.Nodes[0]
		}
		e.ka, e.kaErr = e.readNode(n)
	}
	return e.ka, e.kaErr
}

func (e *Env) readNode(n Node) (*KeepalivedConfig, error) {
	if n.Path == "" {
		n.Path = "/etc/keepalived/keepalived.conf"
	}
	c, err := keepalived.Read(e.FS, n.Path, keepalived.Options{ConfigID: n.Name, NotOnHost: e.LintOnly})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &NotApplicableError{Reason: "no keepalived configuration at " + n.Path + " (give one with --config)", Err: ErrNoConfig}
	}
	return c, err
}

// NodeConfigs reads every node's keepalived.conf given with --config
// NAME=FILE, in order, for the checks that compare nodes. Fewer than two
// nodes is a NotApplicableError.
func (e *Env) NodeConfigs() ([]Node, []*KeepalivedConfig, error) {
	if len(e.Nodes) < 2 {
		return nil, nil, notApplicable("needs two nodes' configurations (--config h1=FILE --config h2=FILE)")
	}
	if !e.nodesDone {
		e.nodesDone = true
		for _, n := range e.Nodes {
			c, err := e.readNode(n)
			if err != nil {
				e.nodesErr = err
				break
			}
			e.nodes = append(e.nodes, c)
		}
	}
	return e.Nodes, e.nodes, e.nodesErr
}
