package io.flopwatch.export;

import io.flopwatch.config.InputError;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** An {@link SSLContext} from PEM files, as Prometheus exporters' web config takes them (cert_file, key_file). */
final class Tls {
    private Tls() {
    }

    static SSLContext context(Path certFile, Path keyFile) {
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            Collection<? extends Certificate> chain = cf.generateCertificates(
                    new ByteArrayInputStream(Files.readAllBytes(certFile)));
            if (chain.isEmpty()) {
                throw new InputError(certFile.toString(), 0, 0, null, "no PEM certificate in the file");
            }
            String pem = Files.readString(keyFile, StandardCharsets.US_ASCII);
            if (!pem.contains("-----BEGIN PRIVATE KEY-----")) {
                throw new InputError(keyFile.toString(), 0, 0, null,
                        "expected an unencrypted PKCS#8 PEM key (BEGIN PRIVATE KEY); convert with "
                                + "'openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8'");
            }
            String base64 = pem.replaceAll("(?s).*-----BEGIN PRIVATE KEY-----", "")
                    .replaceAll("(?s)-----END PRIVATE KEY-----.*", "").replaceAll("\\s", "");
            byte[] der = Base64.getDecoder().decode(base64);
            PrivateKey key = null;
            for (String alg : new String[] {"RSA", "EC", "Ed25519"}) {
                try {
                    key = KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
                    break;
                } catch (GeneralSecurityException e) {
                    // try the next algorithm
                }
            }
            if (key == null) {
                throw new InputError(keyFile.toString(), 0, 0, null, "not an RSA, EC or Ed25519 PKCS#8 key");
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] none = new char[0];
            ks.setKeyEntry("flopwatch", key, none, chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, none);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new InputError(certFile + ", " + keyFile, 0, 0, null, "cannot set up TLS: " + e.getMessage());
        }
    }
}
