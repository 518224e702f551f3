package io.headroom.hil;

import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The dashboard in a real browser (Debian's headless Chromium through chromedriver) against the bench: live
 * values move, and a lost feed shows in the readiness panel and the alarm list. Screenshots go to
 * {@code target/dashboard-*.png}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserIT {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path TARGET = Path.of("target");

    static Bench bench;
    static Path benchData;
    static WebDriver browser;

    @BeforeAll
    static void start(@TempDir Path data) throws Exception {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && "true".equals(System.getenv("CI"))) {
            fail("chromium and chromedriver are required in CI (apt-get install chromium chromium-driver): missing "
                    + (Files.isExecutable(CHROMIUM) ? CHROMEDRIVER : CHROMIUM));
        }
        if (!present) {
            return; // each test is then reported skipped, with the reason (an assumption here would hide them)
        }
        Site site = SiteLoader.load(Path.of("../sites/example-4feed.yaml"));
        benchData = data;
        bench = Bench.start(site, Bench.Options.forTests(data));
        // an explicit driver binary: Selenium Manager never runs (nor reaches the network)
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,1800",
                        "--hide-scrollbars", "--force-device-scale-factor=1");
        ChromeDriver chrome = new ChromeDriver(service, options);
        // script errors on the page are collected for the test to see
        chrome.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", java.util.Map.of("source",
                "window.__errors = []; window.addEventListener('error', e => window.__errors.push(String(e.message)));"
                        + "window.addEventListener('unhandledrejection', e => window.__errors.push(String(e.reason)));"));
        browser = chrome;
    }

    /** Without a browser every test is reported as skipped, naming what is missing (never a class of zero tests). */
    @org.junit.jupiter.api.BeforeEach
    void needsABrowser() {
        assumeTrue(browser != null, "no " + (Files.isExecutable(CHROMIUM) ? CHROMEDRIVER : CHROMIUM)
                + " (apt-get install chromium chromium-driver): browser test skipped");
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (bench != null) {
            bench.close();
        }
    }

    static String url() {
        return "http://127.0.0.1:" + bench.appliance().httpPort() + "/";
    }

    static WebElement find(String css) {
        return browser.findElement(By.cssSelector(css));
    }

    static Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    /**
     * The text of the first element matching {@code css}, read in one script (the page re-renders parts of itself
     * twice a second, so an element found in one call may be gone by the next); null when none matches.
     */
    static String text(String css) {
        return (String) js("const e = document.querySelector(arguments[0]);"
                + "return e ? e.textContent.replace(/\\s+/g, ' ').trim() : null", css);
    }

    static String attr(String css, String name) {
        return (String) js("const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null",
                css, name);
    }

    static int count(String css) {
        return ((Number) js("return document.querySelectorAll(arguments[0]).length", css)).intValue();
    }

    static long tick() {
        String t = text("#tick");
        return t.matches("\\d+") ? Long.parseLong(t) : -1;
    }

    /** Waits on the page: a stale or not-yet-rendered element is retried, never slept on. */
    static org.awaitility.core.ConditionFactory page(int seconds) {
        return await().atMost(Duration.ofSeconds(seconds)).pollInterval(Duration.ofMillis(100))
                .ignoreExceptionsInstanceOf(org.openqa.selenium.NoSuchElementException.class)
                .ignoreExceptionsInstanceOf(org.openqa.selenium.StaleElementReferenceException.class)
                .ignoreExceptionsInstanceOf(NullPointerException.class) // not rendered yet
                .ignoreExceptionsInstanceOf(NumberFormatException.class);
    }

    /** A full-page screenshot at {@code width} CSS px, taken after the page redrew at that size. */
    static Path screenshot(String name, int width) throws Exception {
        // the window as tall as the page (which reflows at each width), until the height holds
        int height = 900;
        for (int i = 0; i < 4; i++) {
            browser.manage().window().setSize(new Dimension(width, height));
            long t = tick();
            page(10).until(() -> tick() > t + 1); // two updates at this size
            int page = Math.min(8000, ((Number) js("return Math.ceil(document.documentElement.scrollHeight)")).intValue());
            if (page == ((Number) js("return window.innerHeight")).intValue()) {
                break;
            }
            height += page - ((Number) js("return window.innerHeight")).intValue();
        }
        File f = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.createDirectories(TARGET);
        Path to = TARGET.resolve(name);
        Files.copy(f.toPath(), to, StandardCopyOption.REPLACE_EXISTING);
        return to;
    }

    @SuppressWarnings("unchecked")
    static List<String> jsErrors() {
        return (List<String>) ((JavascriptExecutor) browser).executeScript("return window.__errors || []");
    }

    @SuppressWarnings("unchecked")
    static List<String> alarms() {
        return (List<String>) js("return [...document.querySelectorAll('#alarms li')]"
                + ".map(e => e.textContent.replace(/\\s+/g, ' ').trim())");
    }

    static java.net.http.HttpResponse<String> api(String method, String path, String body) throws Exception {
        String token = Files.readString(benchData.resolve("operator.token")).strip();
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + bench.appliance().httpPort() + path))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @Order(1)
    void theDashboardIsLiveAndShowsALostFeedInReadinessAndAlarms() throws Exception {
        // the journal has some seconds of feed history: a page opened now plots them at once (backfill)
        page(30).until(() -> new io.vertx.core.json.JsonObject(api("GET", "/api/v1/history/feeds?feed=B&seconds=300", null)
                .body()).getJsonArray("seconds").size() >= 3);
        browser.get(url());
        // plotted from the history before the stream's first state: the plot has more points than the stream gave
        page(10).until(() -> Integer.parseInt(attr("[data-plot=B]", "data-backfilled")) >= 3);
        assertThat(count("[data-plot=B] .uplot canvas")).as("uPlot drew feed B").isPositive();
        assertThat(Integer.parseInt(attr("[data-plot=B]", "data-points")))
                .isGreaterThanOrEqualTo(Integer.parseInt(attr("[data-plot=B]", "data-backfilled")));
        System.out.printf("dashboard: feed plots backfilled with %s history rows; first points plotted %.0f ms after navigation%n",
                js("return window.__backfilled"), ((Number) js("return window.__firstPlotMs || -1")).doubleValue());
        // live through the stream, ticking, with values that move
        page(30).until(() -> "sse".equals(attr("#conn", "data-mode")) && tick() > 0);
        long t0 = tick();
        page(10).until(() -> tick() > t0);
        page(10).until(() -> text("[data-feed=A] .load").matches("[0-9.]+ A"));
        String loadA = text("[data-feed=A] .load");
        page(20).until(() -> !text("[data-feed=A] .load").equals(loadA));
        assertThat(count("[data-feed]")).isEqualTo(4);
        assertThat(text("[data-feed=B] .limit")).isEqualTo("150.0");
        // every feed carries its load before the loss, and every contingency has a plan
        page(30).until(() -> count("[data-feed][data-state=down]") == 0
                && count("[data-readiness]") == 4 && count("[data-readiness][data-ok=false]") == 0);
        for (String f : List.of("A", "B", "C", "D")) {
            assertThat(attr("[data-readiness=\"hall-1/" + f + "\"]", "data-state")).isEqualTo("ready");
        }
        assertThat(text("[data-readiness=\"hall-1/B\"]")).contains("if feed B drops now").startsWith("YES");
        // caps by class, banks, grid, the plots and the history
        for (String c : List.of("critical", "standard", "flexible")) {
            assertThat(text("[data-class=" + c + "] .nodes")).isIn("16", "24");
            assertThat(text("[data-class=" + c + "] .cap")).matches("[0-9]+\\.[0-9]");
        }
        assertThat(text("[data-bank=bank-A] .soc")).matches("[0-9.]+ %");
        assertThat(attr("#grid", "data-enrolled")).isEqualTo("false");
        page(20).until(() -> Integer.parseInt(attr("[data-plot=B]", "data-points")) >= 5);
        // the cursor gives readouts: hovering the plot fills uPlot's live legend with the load at that time
        new org.openqa.selenium.interactions.Actions(browser).moveToElement(find("[data-plot=B] .u-over")).perform();
        page(5).until(() -> text("[data-plot=B] .u-legend .u-series:nth-child(2) .u-value").matches("[0-9.]+ A"));
        // the mean cap per GPU of each class (it used to stay "–" once /api/v1/caps answered)
        page(10).until(() -> text("[data-class=standard] .meancap").matches("[0-9]+"));
        // an on-demand disturbance record: listed, downloadable and drawn by the viewer
        assertThat(api("POST", "/api/v1/feeds/C/disturbance-record", "{\"reason\":\"browser test\"}").statusCode())
                .isEqualTo(202);
        page(40).until(() -> count("#disturbances tr[data-record]") > 0);
        assertThat(text("#disturbances tr[data-record] td:nth-child(2)")).isEqualTo("C");
        assertThat(attr("#disturbances tr[data-record] a[href$='.cfg']", "href")).contains("/api/v1/disturbances/dr-");
        find("#disturbances button[data-view]").click();
        page(10).until(() -> Integer.parseInt(attr("#viewer", "data-points")) > 100);
        assertThat(count("#viewer .uplot canvas")).isPositive();
        assertThat(text("#viewer-note")).startsWith("feed C");
        page(20).until(() -> {
            find("#history-refresh").click();
            return Integer.parseInt(attr("#history", "data-points")) > 0;
        });
        assertThat(count("#history .uplot canvas")).isPositive();
        List<String> alarmsBefore = alarms();
        assertThat(alarmsBefore).noneMatch(a -> a.contains("feed B"));
        screenshot("dashboard-before.png", 1366);
        screenshot("dashboard-phone-before.png", 390);
        browser.manage().window().setSize(new Dimension(1366, 900));

        // lose feed B
        page(10).until(() -> bench.appliance().protection().lastFired() == null);
        bench.plant().setFeedUp("B", false);
        try {
            page(15).until(() -> "down".equals(attr("[data-feed=B]", "data-state")));
            // the state can come from the breaker contact a stream update before the meter's reading does
            page(5).until(() -> "0.0 A".equals(text("[data-feed=B] .load")));
            assertThat(text("[data-feed=B] .load")).isEqualTo("0.0 A");
            assertThat(attr("[data-feed=B]", "data-state")).isEqualTo("down");
            // the loss happened: B's row says so; the appliance plans the other losses without B, and the two
            // feeds left cannot carry the hall: no redundancy is left
            page(10).until(() -> "lost".equals(attr("[data-readiness=\"hall-1/B\"]", "data-state")));
            for (String f : List.of("A", "C", "D")) {
                page(10).until(() -> "false".equals(attr("[data-readiness=\"hall-1/" + f + "\"]", "data-ok")));
                assertThat(text("[data-readiness=\"hall-1/" + f + "\"]")).as("readiness for %s", f)
                        .startsWith("NO").matches(".*every survivor \\([ACD], [ACD]\\).*");
            }
            assertThat(attr("[data-group=hall-1]", "data-ready")).isEqualTo("false");
            // the alarm list names the lost feed
            page(10).until(() -> alarms().stream().anyMatch(a -> a.contains("feed B")));
            assertThat(Integer.parseInt(attr("#alarms", "data-count"))).isGreaterThan(alarmsBefore.size());
            // and the survivors come back under their limits: B's row turns ok
            page(40).until(() -> "true".equals(attr("[data-readiness=\"hall-1/B\"]", "data-ok")));
            screenshot("dashboard.png", 1366);
            screenshot("dashboard-phone.png", 390);
            assertThat(jsErrors()).as("script errors on the page").isEmpty();
        } finally {
            bench.plant().setFeedUp("B", true);
        }
    }

    @Test
    @Order(2)
    void withoutServerSentEventsThePagePollsTheSite() {
        // a browser without EventSource: the page falls back to polling /api/v1/site
        ChromeDriver chrome = (ChromeDriver) browser;
        Object id = chrome.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument",
                java.util.Map.of("source", "delete window.EventSource;")).get("identifier");
        try {
            browser.get(url());
            page(20).until(() -> "poll".equals(attr("#conn", "data-mode")) && tick() > 0);
            long t0 = tick();
            page(10).until(() -> tick() > t0);
            assertThat(count("[data-readiness]")).isEqualTo(4);
            assertThat(jsErrors()).as("script errors on the page").isEmpty();
        } finally {
            chrome.executeCdpCommand("Page.removeScriptToEvaluateOnNewDocument", java.util.Map.of("identifier", id));
        }
    }

    /**
     * An appliance that asks a token for every read: the page shows its sign-in form, refuses an unknown token,
     * takes the bench's viewer token into an HttpOnly session cookie, goes live (the stream carries the cookie),
     * and signs out again.
     */
    @Test
    @Order(3)
    void withTokensRequiredThePageAsksForOneAndKeepsItInASessionCookie(@TempDir Path data) throws Exception {
        Site site = SiteLoader.load(Path.of("../sites/example-4feed.yaml"));
        try (Bench strict = Bench.start(site, new Bench.Options("127.0.0.1", 0, true, 43, data,
                io.headroom.appliance.Appliance.Options.of("127.0.0.1", 0, data)
                        .withApi(new io.headroom.appliance.Appliance.ApiAccess(null, true))))) {
            browser.manage().deleteAllCookies();
            browser.get("http://127.0.0.1:" + strict.appliance().httpPort() + "/");
            page(20).until(() -> "login".equals(attr("#conn", "data-mode")) && attr("#login", "hidden") == null);
            find("#login-token").sendKeys("not-a-token");
            find("#login-submit").click();
            page(10).until(() -> "unknown token".equals(text("#login-error")));
            String viewer = Files.readString(data.resolve("viewer.token")).strip();
            find("#login-token").clear();
            find("#login-token").sendKeys(viewer);
            find("#login-submit").click();
            page(30).until(() -> "sse".equals(attr("#conn", "data-mode")) && tick() > 0);
            long t0 = tick();
            page(10).until(() -> tick() > t0);
            assertThat(count("[data-feed]")).isEqualTo(4);
            var cookie = browser.manage().getCookieNamed("headroom_token");
            assertThat(cookie).isNotNull();
            assertThat(cookie.isHttpOnly()).isTrue();
            assertThat(js("return document.cookie")).as("not readable by scripts").isEqualTo("");
            find("#signout").click();
            page(10).until(() -> "login".equals(attr("#conn", "data-mode")));
            assertThat(browser.manage().getCookieNamed("headroom_token")).isNull();
            assertThat(jsErrors()).as("script errors on the page").isEmpty();
        }
    }
}
