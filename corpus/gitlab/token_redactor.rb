# frozen_string_literal: true

module Ci
  # Masks GitLab credentials before job logs are archived.
  class TokenRedactor
    PREFIXES = %w[glpat- gloas- gldt- glrt- glcbt- glptt- glft- glimt- glagent- glsoat- GR1348941].freeze
    PATTERN = /\b(#{PREFIXES.map { |p| Regexp.escape(p) }.join('|')})[0-9A-Za-z_\-.]{20,}/

    def self.redact(line)
      line.gsub(PATTERN) { "#{Regexp.last_match(1)}[REDACTED]" }
    end
  end
end

# Ci::TokenRedactor.redact("token=glpat-abcdefghijklmnopqrst") #=> "token=glpat-[REDACTED]"
