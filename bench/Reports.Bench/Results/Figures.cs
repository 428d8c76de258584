using System.Text.Json.Nodes;
using Reports.Bench.Measurement;

namespace Reports.Bench.Results;

/// <summary>The values of named figures over a scenario's runs, kept in the order they were first added.</summary>
internal sealed class Figures
{
    private readonly List<string> _order = [];
    private readonly Dictionary<string, List<double>> _values = [];

    public void Add(string name, double value)
    {
        if (!_values.TryGetValue(name, out var list))
        {
            _values[name] = list = [];
            _order.Add(name);
        }

        list.Add(value);
    }

    public Summary this[string name] => Summary.Of(_values.TryGetValue(name, out var list) ? list : []);

    public JsonObject ToJson()
    {
        var json = new JsonObject();
        foreach (var name in _order)
        {
            var summary = this[name];
            var node = summary.ToJson();
            node["values"] = new JsonArray(_values[name].Select(v => Summary.Json(v)).ToArray());
            json[name] = node;
        }

        return json;
    }
}
