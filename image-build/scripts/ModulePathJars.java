// Prints those of the given jars that can be resolved as modules (explicit, or automatic with a valid
// derived name), one per line; the others are named on stderr. build-runtime.sh gives jdeps this list as its
// --module-path: explicit modules on the class path (pi4j's plugins) still have their `requires` resolved
// (com.sun.jna, jsch), and a jar whose derived name is no Java name (grid-interface: `interface`) would make
// jdeps refuse a whole folder as module path.
//   java ModulePathJars.java JAR...
import java.lang.module.FindException;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;

void main(String[] jars) {
  for (String jar : jars) {
    try {
      ModuleFinder.of(Path.of(jar)).findAll();
      System.out.println(jar);
    } catch (FindException | IllegalArgumentException e) {
      System.err.println("runtime: not on jdeps' module path: " + jar + " (" + e.getMessage() + ")");
    }
  }
}
