package io.headroom.appliance.site;

import java.util.List;
import java.util.stream.Collectors;

/** A site file that cannot be used; carries every problem found, sorted by line. */
public final class SiteValidationException extends Exception {

    private final transient List<SiteError> errors;

    public SiteValidationException(List<SiteError> errors) {
        super(errors.stream().map(SiteError::toString).collect(Collectors.joining("\n")));
        this.errors = List.copyOf(errors);
    }

    /** Every problem found, sorted by line then column. */
    public List<SiteError> errors() {
        return errors;
    }
}
