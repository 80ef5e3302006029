"""The encoder built by interpreting TypeScript's graph description (shared/model/encoder/graph.ts,
buildEncoderGraph(arch) serialised as JSON), so parameter names and topology cannot drift from the tfjs
trainer and the ONNX exporter. Inside: NCHW activations, OIHW conv kernels; project_weights() /
load_project_weights() convert from/to the project's layout (HWIO kernels, `name/param` names).

Batch norm in training uses the batch statistics (biased variance) and updates the moving statistics as the
tfjs trainer does: new = m·old + (1−m)·batch with the UNBIASED batch variance, m = the node's momentum (0.9),
i.e. torch's batch_norm with momentum 1 − m. Epsilon is the node's (1e-5).
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

from .errors import JobError

BN_PARAMS = ("gamma", "beta", "moving_mean", "moving_variance")
KNOWN_OPS = {"conv", "batchnorm", "relu", "add", "maxpool", "global_avg_pool", "l2normalize"}


def graph_param_specs(graph):
    """[(name, project shape, trainable, init)] in graphParams order (checkpoint order)."""
    specs = []
    for node in graph["nodes"]:
        if node["op"] == "conv":
            k = node["kernel"]
            specs.append((f"{node['name']}/kernel", [k, k, node["inChannels"], node["outChannels"]], True, "he_normal"))
            if node["bias"]:
                specs.append((f"{node['name']}/bias", [node["outChannels"]], True, "zeros"))
        elif node["op"] == "batchnorm":
            specs.extend(batch_norm_specs(node["name"], node["channels"]))
    return specs


def batch_norm_specs(name, channels):
    return [
        (f"{name}/gamma", [channels], True, "ones"),
        (f"{name}/beta", [channels], True, "zeros"),
        (f"{name}/moving_mean", [channels], False, "zeros"),
        (f"{name}/moving_variance", [channels], False, "ones"),
    ]


def init_tensor(shape, init, generator):
    """He-normal over fan_in = product of all but the last project dimension (as init-weights.ts)."""
    if init == "ones":
        return torch.ones(shape)
    if init == "zeros":
        return torch.zeros(shape)
    fan_in = math.prod(shape[:-1])
    return torch.randn(shape, generator=generator) * math.sqrt(2.0 / fan_in)


def to_torch_layout(name, shape, tensor):
    """Project layout -> the layout held inside the module (conv HWIO -> OIHW; everything else as is)."""
    if name.endswith("/kernel") and len(shape) == 4:
        return tensor.permute(3, 2, 0, 1).contiguous()
    return tensor.reshape(shape).contiguous()


def to_project_layout(name, tensor):
    if name.endswith("/kernel") and tensor.dim() == 4:
        return tensor.permute(2, 3, 1, 0).contiguous()
    return tensor.contiguous()


class ProjectParams(nn.Module):
    """Named parameters/buffers in the project's namespace (nn.Module names cannot hold '/' or '.')."""

    def __init__(self, specs, seed):
        super().__init__()
        self.specs = specs
        self.keys = {}
        generator = torch.Generator().manual_seed(int(seed))
        for i, (name, shape, trainable, init) in enumerate(specs):
            key = f"p{i}"
            self.keys[name] = key
            value = to_torch_layout(name, shape, init_tensor(shape, init, generator))
            if trainable:
                self.register_parameter(key, nn.Parameter(value))
            else:
                self.register_buffer(key, value)

    def get(self, name):
        return getattr(self, self.keys[name])

    def names(self):
        return [s[0] for s in self.specs]

    def trainable(self):
        """[(project name, parameter)] in spec order."""
        return [(s[0], self.get(s[0])) for s in self.specs if s[2]]

    def buffers_named(self):
        return [(s[0], self.get(s[0])) for s in self.specs if not s[2]]

    @torch.no_grad()
    def load_project_weights(self, weights, require_all=True):
        """Copies every known array from a project-layout dict; returns the names it loaded."""
        loaded = []
        for name, shape, _, _ in self.specs:
            w = weights.get(name)
            if w is None:
                if require_all:
                    raise JobError(f"weights lack {name} {shape}", "init")
                continue
            if list(w.shape) != list(shape):
                raise JobError(f"weights {name} have shape {list(w.shape)}, expected {shape}", "init")
            target = self.get(name)
            target.copy_(to_torch_layout(name, shape, w.to(torch.float32)).to(target.device))
            loaded.append(name)
        return loaded

    @torch.no_grad()
    def project_weights(self):
        return {name: to_project_layout(name, self.get(name).detach().cpu().clone()) for name in self.names()}


def batch_norm(x, params, name, epsilon, momentum, training):
    return F.batch_norm(
        x,
        params.get(f"{name}/moving_mean"),
        params.get(f"{name}/moving_variance"),
        params.get(f"{name}/gamma"),
        params.get(f"{name}/beta"),
        training=training,
        momentum=1.0 - momentum,
        eps=epsilon,
    )


def l2_normalize(x, epsilon):
    """x / sqrt(max(Σx², ε)): the formula tfjs and the ONNX export use."""
    return x / torch.sqrt(torch.clamp(torch.sum(x * x, dim=1, keepdim=True), min=epsilon))


def validate_graph(graph):
    if not isinstance(graph, dict) or not isinstance(graph.get("nodes"), list) or not graph["nodes"]:
        raise JobError("graph must be buildEncoderGraph(arch) as JSON (an object with nodes)", "graph")
    for node in graph["nodes"]:
        if not isinstance(node, dict) or node.get("op") not in KNOWN_OPS:
            raise JobError(f"graph node {node!r} has an unknown op (known: {sorted(KNOWN_OPS)})", "graph")
    if not any(n["op"] == "global_avg_pool" for n in graph["nodes"]) or graph["nodes"][-1]["op"] != "l2normalize":
        raise JobError("graph has no global_avg_pool / final l2normalize node", "graph")


class GraphEncoder(nn.Module):
    """forward(x NCHW) -> (embedding [n, d] unit rows, pooled [n, d]); train()/eval() picks the BN statistics."""

    def __init__(self, graph, seed=0):
        super().__init__()
        validate_graph(graph)
        self.graph = graph
        self.nodes = graph["nodes"]
        self.params = ProjectParams(graph_param_specs(graph), seed)

    def load_project_weights(self, weights, require_all=True):
        return self.params.load_project_weights(weights, require_all)

    def project_weights(self):
        return self.params.project_weights()

    def forward(self, x):
        values = {"input": x}
        pooled = None
        embedding = None
        p = self.params
        for node in self.nodes:
            op = node["op"]
            if op == "conv":
                bias = p.get(f"{node['name']}/bias") if node["bias"] else None
                out = F.conv2d(values[node["input"]], p.get(f"{node['name']}/kernel"), bias,
                               stride=node["stride"], padding=node["pad"])
            elif op == "batchnorm":
                out = batch_norm(values[node["input"]], p, node["name"], node["epsilon"], node["momentum"],
                                 self.training)
            elif op == "relu":
                out = F.relu(values[node["input"]])
            elif op == "add":
                a, b = node["inputs"]
                out = values[a] + values[b]
            elif op == "maxpool":
                out = F.max_pool2d(values[node["input"]], node["kernel"], node["stride"], node["pad"])
            elif op == "global_avg_pool":
                out = torch.mean(values[node["input"]], dim=(2, 3))
                pooled = out
            else:  # l2normalize
                out = l2_normalize(values[node["input"]], node["epsilon"])
                embedding = out
            values[node["output"]] = out
        return embedding, pooled
