package imfengine.nn;

import imfengine.backend.Backend;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A node of the module tree. Parameters and children are registered under stable names in
 * construction order, so {@link #parameters()} yields the authors' dotted names in a fixed order.
 * A module's {@code forward} takes the context it runs in and binds its parameters to it.
 */
public abstract class Module {
    private final String prefix;
    private final Backend backend;
    private final List<Parameter> own = new ArrayList<>();
    private final List<Module> children = new ArrayList<>();

    protected Module(String prefix, Backend backend) {
        this.prefix = prefix;
        this.backend = backend;
    }

    public Backend backend() { return backend; }

    /** The dotted name of a child or parameter called {@code name}. */
    protected String child(String name) { return prefix.isEmpty() ? name : prefix + "." + name; }

    protected Parameter parameter(String name, Shape shape, Init init) {
        Tensor t = init.create(backend, shape);
        Parameter p = new Parameter(child(name), t);
        own.add(p);
        return p;
    }

    protected <M extends Module> M register(M module) {
        children.add(module);
        return module;
    }

    /** All parameters of this subtree, in registration order. */
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>(own);
        for (Module c : children) out.addAll(c.parameters());
        return out;
    }

    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> m = new LinkedHashMap<>();
        for (Parameter p : parameters()) m.put(p.name(), p);
        return m;
    }

    public long parameterCount() {
        long n = 0;
        for (Parameter p : parameters()) n += p.value().size();
        return n;
    }
}
