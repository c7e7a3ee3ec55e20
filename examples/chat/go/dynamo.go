package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DefaultRoomIndex is the global secondary index on `room` (override with ROOM_INDEX).
const DefaultRoomIndex = "room-index"

// DynamoAPI is the part of *dynamodb.Client the rooms use (tests may substitute it).
type DynamoAPI interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

var _ DynamoAPI = (*dynamodb.Client)(nil)

// DynamoRooms keeps rooms in a DynamoDB table, in the layout of examples/chat/python/chat_rooms.py:
// partition key `connectionId` (S), items {connectionId, room}, and a global secondary index (Index,
// default "room-index") whose partition key is `room` (S); a KEYS_ONLY projection is enough.
type DynamoRooms struct {
	Table string
	Index string

	mu     sync.Mutex
	client DynamoAPI
}

var _ Rooms = (*DynamoRooms)(nil)

// NewDynamoRooms uses client, or (nil) a *dynamodb.Client from the default AWS configuration, made on
// first use: cold starts that never touch rooms don't load it.
func NewDynamoRooms(table, index string, client DynamoAPI) *DynamoRooms {
	return &DynamoRooms{Table: table, Index: index, client: client}
}

func (d *DynamoRooms) api(ctx context.Context) (DynamoAPI, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.client == nil {
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("chat: loading the AWS configuration for DynamoDB: %w", err)
		}
		d.client = dynamodb.NewFromConfig(cfg)
	}
	return d.client, nil
}

func connectionKey(connectionID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"connectionId": &types.AttributeValueMemberS{Value: connectionID}}
}

// stringAttr is item[name] when it is a string attribute.
func stringAttr(item map[string]types.AttributeValue, name string) (string, bool) {
	s, ok := item[name].(*types.AttributeValueMemberS)
	if !ok {
		return "", false
	}
	return s.Value, true
}

// Join writes {connectionId, room}, replacing the connection's previous room.
func (d *DynamoRooms) Join(ctx context.Context, connectionID, room string) error {
	api, err := d.api(ctx)
	if err != nil {
		return err
	}
	_, err = api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(d.Table),
		Item: map[string]types.AttributeValue{
			"connectionId": &types.AttributeValueMemberS{Value: connectionID},
			"room":         &types.AttributeValueMemberS{Value: room},
		},
	})
	return err
}

// Leave deletes the connection's item; the room it held.
func (d *DynamoRooms) Leave(ctx context.Context, connectionID string) (string, bool, error) {
	api, err := d.api(ctx)
	if err != nil {
		return "", false, err
	}
	out, err := api.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:    aws.String(d.Table),
		Key:          connectionKey(connectionID),
		ReturnValues: types.ReturnValueAllOld,
	})
	if err != nil {
		return "", false, err
	}
	room, found := stringAttr(out.Attributes, "room")
	return room, found, nil
}

// RoomOf reads the connection's item (strongly consistent).
func (d *DynamoRooms) RoomOf(ctx context.Context, connectionID string) (string, bool, error) {
	api, err := d.api(ctx)
	if err != nil {
		return "", false, err
	}
	out, err := api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(d.Table),
		Key:            connectionKey(connectionID),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return "", false, err
	}
	room, found := stringAttr(out.Item, "room")
	return room, found, nil
}

// Members queries the room index, every page.
func (d *DynamoRooms) Members(ctx context.Context, room string) ([]string, error) {
	api, err := d.api(ctx)
	if err != nil {
		return nil, err
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(d.Table),
		IndexName:                 aws.String(d.Index),
		KeyConditionExpression:    aws.String("#room = :room"),
		ExpressionAttributeNames:  map[string]string{"#room": "room"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":room": &types.AttributeValueMemberS{Value: room}},
		ProjectionExpression:      aws.String("connectionId"),
	}
	ids := []string{}
	for {
		page, err := api.Query(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, item := range page.Items {
			id, ok := stringAttr(item, "connectionId")
			if !ok {
				return nil, fmt.Errorf("chat: an item of index %q has no string connectionId", d.Index)
			}
			ids = append(ids, id)
		}
		if len(page.LastEvaluatedKey) == 0 {
			return ids, nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}
