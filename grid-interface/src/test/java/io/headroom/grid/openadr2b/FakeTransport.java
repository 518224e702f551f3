package io.headroom.grid.openadr2b;

import org.w3c.dom.Element;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;

/**
 * A VTN played by the test for the 2.0b VEN's parts: each post gets the next scripted answer (a reply built from
 * what was posted, or an exception thrown); every post is kept with the service it went to.
 */
final class FakeTransport implements OadrTransport {

    record Post(String xml, String service) {
        String name() {
            return Xml.local(Xml.message(xml));
        }
    }

    final List<Post> posts = new ArrayList<>();
    private final Deque<Function<String, String>> answers = new ArrayDeque<>();

    /** Answers the next post with {@code reply}'s XML. */
    FakeTransport then(Function<String, String> reply) {
        answers.add(reply);
        return this;
    }

    /** Answers the next post by throwing. */
    FakeTransport thenThrow(RuntimeException e) {
        answers.add(xml -> {
            throw e;
        });
        return this;
    }

    /** Answers the next {@code n} posts with an oadrResponse 200. */
    FakeTransport thenOk(int n) {
        for (int i = 0; i < n; i++) {
            then(xml -> OadrMessages.response("200", "OK", "", "ven-7"));
        }
        return this;
    }

    @Override
    public Element post(String xml) {
        return post(xml, null);
    }

    @Override
    public Element post(String xml, String serviceOrNull) {
        posts.add(new Post(xml, serviceOrNull));
        Function<String, String> a = answers.poll();
        if (a == null) {
            throw new AssertionError("unexpected post: " + Xml.local(Xml.message(xml)));
        }
        return Xml.message(a.apply(xml));
    }

    List<String> names() {
        return posts.stream().map(Post::name).toList();
    }

    /** A plain-HTTP VEN configuration (nothing is sent over it: the parts get a {@link FakeTransport}). */
    static Ven2bConfig.Builder config(Path dir) {
        return Ven2bConfig.builder(URI.create("http://127.0.0.1:9/OpenADR2/Simple/2.0b"), "hall-1", dir.resolve("ven.db"))
                .allowInsecureHttp(true).retryBackoff(Duration.ofSeconds(10)).reportPeriods(Duration.ofMinutes(1), Duration.ofHours(1));
    }
}
