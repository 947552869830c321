#include <getxapi/outreach/recipient.hpp>

namespace getxapi::outreach {

std::string_view to_string(RecipientState state) noexcept {
  switch (state) {
    case RecipientState::kPending:
      return "pending";
    case RecipientState::kSending:
      return "sending";
    case RecipientState::kSent:
      return "sent";
    case RecipientState::kSkipped:
      return "skipped";
    case RecipientState::kFailed:
      return "failed";
  }
  return "pending";
}

std::optional<RecipientState> parse_recipient_state(std::string_view text) noexcept {
  for (auto s : {RecipientState::kPending, RecipientState::kSending, RecipientState::kSent,
                 RecipientState::kSkipped, RecipientState::kFailed}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

}  // namespace getxapi::outreach
