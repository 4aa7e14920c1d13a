// Feature levels (ctl/features.h) against Kafka 3.7's FeatureControlManager: the supported range,
// each refusal and its message in Kafka's order of checks, one outcome per feature in name order,
// records only for the updates that pass, and metadata.version's downgrade rule.
#include <gtest/gtest.h>

#include "ctl/features.h"

namespace laminar::ctl {
namespace {

constexpr std::int32_t node = 1;

metadata_image bootstrapped(std::int16_t level = metadata_version_latest) {
    metadata_image image;
    const std::vector<metadata_record> batch{
        metadata_record::of(leader_change_record{node, 1, {node}}),
        metadata_record::of(feature_level_record{"metadata.version", level})};
    EXPECT_TRUE(image.apply(batch));
    return image;
}

// Plans one update and applies what it plans; the outcome's message ("" for success).
std::string update(metadata_image& image, std::string name, std::int16_t level,
                   feature_upgrade type = feature_upgrade::upgrade) {
    auto plan = plan_update_features(image, {{std::move(name), level, type}}, node);
    EXPECT_EQ(plan.outcomes.size(), 1u);
    EXPECT_TRUE(image.apply(plan.records));
    const auto& error = plan.outcomes.front().error;
    if (!error) return "";
    EXPECT_EQ(error->code, command_errc::invalid_update_version);
    EXPECT_TRUE(plan.records.empty());
    return error->message;
}

TEST(features, laminar_supports_metadata_version_1_to_19) {
    const auto supported = supported_features();
    ASSERT_EQ(supported.size(), 1u);
    EXPECT_EQ(supported[0].name, "metadata.version");
    EXPECT_EQ(supported[0].min_level, 1);
    EXPECT_EQ(supported[0].max_level, 19);
    EXPECT_EQ(metadata_version_name(19), "3.7-IV4");
    EXPECT_EQ(metadata_version_name(4), "3.3-IV0");
    EXPECT_EQ(metadata_version_name(1), "3.0-IV1");
    EXPECT_EQ(metadata_version_name(20), "");
    EXPECT_EQ(metadata_version_name(0), "");
}

TEST(features, upgrade_types_are_kafkas_codes) {
    EXPECT_EQ(feature_upgrade_of(1), feature_upgrade::upgrade);
    EXPECT_EQ(feature_upgrade_of(2), feature_upgrade::safe_downgrade);
    EXPECT_EQ(feature_upgrade_of(3), feature_upgrade::unsafe_downgrade);
    EXPECT_EQ(feature_upgrade_of(0), feature_upgrade::unknown);
    EXPECT_EQ(feature_upgrade_of(4), feature_upgrade::unknown);
    EXPECT_EQ(feature_upgrade_of(-1), feature_upgrade::unknown);
}

TEST(features, refusals_carry_kafkas_messages) {
    auto image = bootstrapped();
    EXPECT_EQ(update(image, "metadata.version", 19, feature_upgrade::unknown),
              "Invalid update version 19 for feature metadata.version. The controller does not "
              "support the given upgrade type.");
    EXPECT_EQ(update(image, "metadata.version", -1),
              "Invalid update version -1 for feature metadata.version. A feature version cannot "
              "be less than 0.");
    EXPECT_EQ(update(image, "metadata.version", 20),
              "Invalid update version 20 for feature metadata.version. Local controller 1 only "
              "supports versions 1-19");
    EXPECT_EQ(update(image, "metadata.version", 0, feature_upgrade::safe_downgrade),
              "Invalid update version 0 for feature metadata.version. Local controller 1 only "
              "supports versions 1-19");
    EXPECT_EQ(update(image, "foo", 1),
              "Invalid update version 1 for feature foo. Local controller 1 does not support this "
              "feature.");
    EXPECT_EQ(update(image, "metadata.version", 18),
              "Invalid update version 18 for feature metadata.version. Can't downgrade the version "
              "of this feature without setting the upgrade type to either safe or unsafe "
              "downgrade.");
    EXPECT_EQ(update(image, "metadata.version", 3, feature_upgrade::safe_downgrade),
              "Invalid metadata.version 3. Unable to set a metadata.version less than 3.3-IV0");
    EXPECT_EQ(update(image, "metadata.version", 16, feature_upgrade::safe_downgrade),
              "Invalid metadata.version 16. Refusing to perform the requested downgrade because "
              "it might delete metadata information.");
    EXPECT_EQ(update(image, "metadata.version", 16, feature_upgrade::unsafe_downgrade),
              "Invalid metadata.version 16. Unsafe metadata downgrade is not supported in this "
              "version.");
    EXPECT_EQ(image.feature_level("metadata.version"), 19);
}

TEST(features, a_downgrade_that_loses_no_metadata_passes_and_upgrades_return) {
    auto image = bootstrapped();
    // 3.7-IV4 and 3.7-IV3 changed no metadata: down to 3.7-IV2 is safe.
    EXPECT_EQ(update(image, "metadata.version", 17, feature_upgrade::safe_downgrade), "");
    EXPECT_EQ(image.feature_level("metadata.version"), 17);
    EXPECT_EQ(update(image, "metadata.version", 18, feature_upgrade::safe_downgrade),
              "Invalid update version 18 for feature metadata.version. Can't downgrade to a newer "
              "version.");
    EXPECT_EQ(update(image, "metadata.version", 16, feature_upgrade::safe_downgrade),
              "Invalid metadata.version 16. Refusing to perform the requested downgrade because "
              "it might delete metadata information.");
    EXPECT_EQ(update(image, "metadata.version", 19), "");
    EXPECT_EQ(image.feature_level("metadata.version"), 19);
    // The same level passes with any upgrade type.
    EXPECT_EQ(update(image, "metadata.version", 19, feature_upgrade::unsafe_downgrade), "");

    // From 3.5-IV1: 3.5-IV1 and 3.5-IV0 changed no metadata, 3.4-IV0 did.
    auto older = bootstrapped(10);
    EXPECT_EQ(update(older, "metadata.version", 8, feature_upgrade::safe_downgrade), "");
    EXPECT_EQ(older.feature_level("metadata.version"), 8);
    EXPECT_EQ(update(older, "metadata.version", 7, feature_upgrade::safe_downgrade),
              "Invalid metadata.version 7. Refusing to perform the requested downgrade because it "
              "might delete metadata information.");
}

TEST(features, an_unknown_feature_at_level_0_passes_and_changes_nothing) {
    auto image = bootstrapped();
    const auto before = image.features();
    EXPECT_EQ(update(image, "foo", 0), "");
    EXPECT_EQ(update(image, "foo", 0, feature_upgrade::safe_downgrade), "");
    EXPECT_EQ(image.features(), before);
    EXPECT_EQ(image.feature_level("foo"), 0);
}

TEST(features, one_outcome_per_feature_in_name_order_the_last_update_wins) {
    auto image = bootstrapped();
    auto plan = plan_update_features(image,
                                     {{"metadata.version", 5, feature_upgrade::upgrade},
                                      {"zeta", 3, feature_upgrade::upgrade},
                                      {"alpha", 0, feature_upgrade::upgrade},
                                      {"metadata.version", 17, feature_upgrade::safe_downgrade}},
                                     node);
    ASSERT_EQ(plan.outcomes.size(), 3u);
    EXPECT_EQ(plan.outcomes[0].name, "alpha");
    EXPECT_FALSE(plan.outcomes[0].error);
    EXPECT_EQ(plan.outcomes[1].name, "metadata.version");
    EXPECT_FALSE(plan.outcomes[1].error);
    EXPECT_EQ(plan.outcomes[2].name, "zeta");
    ASSERT_TRUE(plan.outcomes[2].error);
    // Only those that passed are recorded; the failure of one does not hold back the others.
    ASSERT_EQ(plan.records.size(), 2u);
    EXPECT_EQ(plan.records[0].feature_level, (feature_level_record{"alpha", 0}));
    EXPECT_EQ(plan.records[1].feature_level, (feature_level_record{"metadata.version", 17}));
    EXPECT_TRUE(plan_update_features(image, {}, node).outcomes.empty());
}

TEST(features, the_image_keeps_levels_and_refuses_impossible_ones) {
    metadata_image image;
    EXPECT_EQ(image.feature_level("metadata.version"), 0);
    EXPECT_TRUE(image.apply(metadata_record::of(feature_level_record{"metadata.version", 19})));
    EXPECT_TRUE(image.apply(metadata_record::of(feature_level_record{"x.version", 2})));
    EXPECT_EQ(image.feature_level("x.version"), 2);
    EXPECT_TRUE(image.apply(metadata_record::of(feature_level_record{"x.version", 0})));
    EXPECT_FALSE(image.features().contains("x.version"));
    EXPECT_FALSE(image.apply(metadata_record::of(feature_level_record{"metadata.version", 0})));
    EXPECT_FALSE(image.apply(metadata_record::of(feature_level_record{"y", -2})));
    EXPECT_EQ(image.feature_level("metadata.version"), 19);
    EXPECT_EQ(image.applied_records(), 3u);  // refused records take no offset
}

TEST(features, leader_epochs_only_grow) {
    metadata_image image;
    EXPECT_EQ(image.quorum().epoch, 0);
    EXPECT_EQ(image.quorum().leader_id, -1);
    EXPECT_TRUE(image.apply(metadata_record::of(leader_change_record{3, 1, {3}})));
    EXPECT_TRUE(image.apply(metadata_record::of(leader_change_record{3, 2, {3}})));
    EXPECT_EQ(image.quorum().epoch, 2);
    EXPECT_EQ(image.quorum().leader_id, 3);
    EXPECT_EQ(image.quorum().voters, std::vector<std::int32_t>{3});
    EXPECT_FALSE(image.apply(metadata_record::of(leader_change_record{3, 2, {3}})));
    EXPECT_FALSE(image.apply(metadata_record::of(leader_change_record{4, 1, {4}})));
    EXPECT_EQ(image.quorum().epoch, 2);
    EXPECT_EQ(image.applied_records(), 2u);
}

}  // namespace
}  // namespace laminar::ctl
