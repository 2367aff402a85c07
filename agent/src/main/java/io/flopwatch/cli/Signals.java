package io.flopwatch.cli;

import java.lang.reflect.Proxy;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP → configuration reload. The JDK's only signal API is {@code sun.misc.Signal}
 * (module jdk.unsupported, in every JDK 17), called reflectively so the build stays free of
 * internal-API warnings. Where it cannot be used the JVM's default for SIGHUP applies (exit),
 * which systemd's {@code Restart=on-failure} turns into a restart with the new configuration.
 */
final class Signals {
    private Signals() {
    }

    static void onHangup(Runnable action) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object proxy = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handler},
                    (p, method, args) -> {
                        if (method.getName().equals("handle")) {
                            action.run();
                        }
                        return null;
                    });
            Object hup = signal.getConstructor(String.class).newInstance("HUP");
            signal.getMethod("handle", signal, handler).invoke(null, hup, proxy);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LoggerFactory.getLogger(Signals.class).warn("cannot handle SIGHUP ({}); a reload restarts the daemon",
                    e.toString());
        }
    }
}
